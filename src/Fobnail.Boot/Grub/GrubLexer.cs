using System.Text;

namespace Fobnail.Boot.Grub;

/// <summary>
/// Tokens of GRUB script (grub-core/script/yylex.l, the parts distributions' grub.cfg use): words with
/// '...' (literal), "..." (with $ expansion and \ escapes), unquoted \ escapes, $NAME / ${NAME} / $1 / $?;
/// '#' comments at the start of a word; newline and ';' end a command; a backslash-newline continues it.
/// An unterminated quote or ${ is an error naming the line.
/// </summary>
public static class GrubLexer
{
    public abstract record Token(int Line);
    public sealed record WordToken(GrubWord Word, int Line) : Token(Line);
    public sealed record End(int Line) : Token(Line);

    public static List<Token> Tokenize(string text, string source, BootLimits limits)
    {
        var tokens = new List<Token>();
        int i = 0, line = 1, lineStart = 0;
        var parts = new List<GrubWord.Part>();
        var literal = new StringBuilder();
        bool inWord = false;

        void FlushLiteral(bool quoted)
        {
            if (literal.Length == 0) return;
            parts.Add(new GrubWord.Literal(literal.ToString(), quoted));
            literal.Clear();
        }
        void EndWord()
        {
            FlushLiteral(false);
            if (inWord) tokens.Add(new WordToken(new GrubWord(parts.ToArray()), line));
            parts.Clear();
            inWord = false;
        }
        BootFormatException Error(string what) => new($"{source}:{line}: {what}");
        void NewLine()
        {
            if (i - lineStart > limits.MaxLineLength) throw Error($"line longer than {limits.MaxLineLength} characters");
            line++;
            lineStart = i + 1;
        }
        string VariableName()
        {
            // At the character after '$'.
            if (i < text.Length && text[i] == '{')
            {
                int close = text.IndexOf('}', i);
                if (close < 0 || text.IndexOf('\n', i, close - i) >= 0) throw Error("unterminated ${");
                string name = text[(i + 1)..close];
                i = close + 1;
                return name;
            }
            int start = i;
            if (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] is '?' or '#' or '*' or '@')) { i++; return text[start..i]; }
            while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_')) i++;
            return text[start..i];
        }

        while (i < text.Length)
        {
            if (tokens.Count > limits.MaxConfigBytes) throw Error("too many tokens");
            char c = text[i];
            if (c == '\n' || c == ';')
            {
                EndWord();
                tokens.Add(new End(line));
                if (c == '\n') NewLine();
                i++;
                continue;
            }
            if (c is ' ' or '\t' or '\r') { EndWord(); i++; continue; }
            if (c == '#' && !inWord)
            {
                while (i < text.Length && text[i] != '\n') i++;
                continue;
            }
            inWord = true;
            if (c == '\\')
            {
                if (i + 1 < text.Length && text[i + 1] == '\n') { NewLine(); i += 2; continue; }
                if (i + 1 < text.Length) literal.Append(text[i + 1]);
                i += 2;
                continue;
            }
            if (c == '\'')
            {
                FlushLiteral(false);
                int close = text.IndexOf('\'', i + 1);
                if (close < 0) throw Error("unterminated single quote");
                string quoted = text[(i + 1)..close];
                for (int k = 0; k < quoted.Length; k++) if (quoted[k] == '\n') NewLine();
                parts.Add(new GrubWord.Literal(quoted, true));
                i = close + 1;
                continue;
            }
            if (c == '"')
            {
                FlushLiteral(false);
                i++;
                bool closed = false;
                while (i < text.Length)
                {
                    char d = text[i];
                    if (d == '"') { closed = true; i++; break; }
                    if (d == '\\' && i + 1 < text.Length && text[i + 1] is '$' or '"' or '\\' or '\n')
                    {
                        if (text[i + 1] != '\n') literal.Append(text[i + 1]);
                        else NewLine();
                        i += 2;
                        continue;
                    }
                    if (d == '$')
                    {
                        i++;
                        FlushLiteral(true);
                        string name = VariableName();
                        if (name.Length == 0) literal.Append('$');
                        else parts.Add(new GrubWord.Variable(name, true));
                        continue;
                    }
                    if (d == '\n') NewLine();
                    literal.Append(d);
                    i++;
                }
                if (!closed) throw Error("unterminated double quote");
                FlushLiteral(true);
                // An empty "" is still a word.
                if (parts.Count == 0 || parts[^1] is not GrubWord.Literal { Quoted: true }) parts.Add(new GrubWord.Literal("", true));
                continue;
            }
            if (c == '$')
            {
                i++;
                FlushLiteral(false);
                string name = VariableName();
                if (name.Length == 0) literal.Append('$');
                else parts.Add(new GrubWord.Variable(name, false));
                continue;
            }
            literal.Append(c);
            i++;
        }
        EndWord();
        tokens.Add(new End(line));
        return tokens;
    }
}
