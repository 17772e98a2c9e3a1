namespace Fobnail.Boot.Grub;

/// <summary>
/// Turns tokens into statements. Keywords count only at the start of a command, as in GRUB. Nesting is bounded by
/// <see cref="BootLimits.MaxDepth"/>; a missing fi/'}'/done is an error naming the line where the block began.
/// </summary>
public sealed class GrubParser
{
    private readonly List<GrubLexer.Token> _tokens;
    private readonly string _source;
    private readonly BootLimits _limits;
    private int _pos;

    private GrubParser(List<GrubLexer.Token> tokens, string source, BootLimits limits)
    {
        _tokens = tokens;
        _source = source;
        _limits = limits;
    }

    public static IReadOnlyList<GrubStatement> Parse(string text, string source, BootLimits? limits = null)
    {
        limits ??= BootLimits.Default;
        if (text.Length > limits.MaxConfigBytes) throw new BootFormatException($"{source} is larger than {limits.MaxConfigBytes} bytes");
        var parser = new GrubParser(GrubLexer.Tokenize(text, source, limits), source, limits);
        var list = parser.Statements(0, [], out string? stop, out int _);
        if (stop is not null) throw new BootFormatException($"{source}: unexpected '{stop}'");
        return list;
    }

    /// <summary>Statements until a command starting with one of <paramref name="terminators"/> (consumed, returned in <paramref name="stop"/>) or the end.</summary>
    private List<GrubStatement> Statements(int depth, string[] terminators, out string? stop, out int stopLine)
    {
        if (depth > _limits.MaxDepth) throw new BootFormatException($"{_source}:{Line}: blocks nested deeper than {_limits.MaxDepth}");
        var list = new List<GrubStatement>();
        while (true)
        {
            SkipEnds();
            if (_pos >= _tokens.Count) { stop = null; stopLine = Line; return list; }
            var first = (GrubLexer.WordToken)_tokens[_pos];
            string? keyword = first.Word.Plain;
            if (keyword is not null && terminators.Contains(keyword))
            {
                _pos++;
                stop = keyword;
                stopLine = first.Line;
                return list;
            }
            list.Add(keyword switch
            {
                "if" => If(depth),
                "menuentry" or "submenu" => Block(keyword, depth),
                "function" => Block(keyword, depth),
                "while" or "until" or "for" => Loop(keyword, depth),
                "fi" or "then" or "else" or "elif" or "}" or "done" or "do" =>
                    throw new BootFormatException($"{_source}:{first.Line}: unexpected '{keyword}'"),
                _ => Command(),
            });
        }
    }

    private int Line => _pos < _tokens.Count ? _tokens[_pos].Line : (_tokens.Count > 0 ? _tokens[^1].Line : 0);

    private void SkipEnds()
    {
        while (_pos < _tokens.Count && _tokens[_pos] is GrubLexer.End) _pos++;
    }

    private GrubCommand Command()
    {
        int line = Line;
        var words = new List<GrubWord>();
        while (_pos < _tokens.Count && _tokens[_pos] is GrubLexer.WordToken w)
        {
            // "menuentry x { linux /k }": a closing brace after a command ends it (lenient, as one-line blocks are written by hand).
            if (words.Count > 0 && w.Word.Plain == "}") break;
            words.Add(w.Word);
            _pos++;
        }
        return new GrubCommand(words, line);
    }

    private GrubIf If(int depth)
    {
        int line = Line;
        _pos++; // if
        var branches = new List<(IReadOnlyList<GrubStatement>, IReadOnlyList<GrubStatement>)>();
        IReadOnlyList<GrubStatement> otherwise = [];
        while (true)
        {
            var condition = Statements(depth + 1, ["then"], out string? s, out _);
            if (s is null) throw new BootFormatException($"{_source}:{line}: 'if' without 'then'");
            var body = Statements(depth + 1, ["elif", "else", "fi"], out s, out _);
            branches.Add((condition, body));
            if (s == "elif") continue;
            if (s == "else")
            {
                otherwise = Statements(depth + 1, ["fi"], out s, out _);
                if (s is null) throw new BootFormatException($"{_source}:{line}: 'if' without 'fi'");
            }
            if (s is null) throw new BootFormatException($"{_source}:{line}: 'if' without 'fi'");
            return new GrubIf(branches, otherwise, line);
        }
    }

    private GrubBlock Block(string keyword, int depth)
    {
        int line = Line;
        _pos++;
        var words = new List<GrubWord>();
        while (true)
        {
            if (_pos >= _tokens.Count || _tokens[_pos] is GrubLexer.End)
            {
                // GRUB allows the '{' on the next line only for function; be as lenient for all three.
                SkipEnds();
                if (_pos < _tokens.Count && _tokens[_pos] is GrubLexer.WordToken { Word.Plain: "{" }) { _pos++; break; }
                throw new BootFormatException($"{_source}:{line}: {keyword} without '{{'");
            }
            var w = (GrubLexer.WordToken)_tokens[_pos++];
            if (w.Word.Plain == "{") break;
            words.Add(w.Word);
        }
        var body = Statements(depth + 1, ["}"], out string? stop, out _);
        if (stop is null) throw new BootFormatException($"{_source}:{line}: {keyword} without its closing '}}'");
        return new GrubBlock(keyword, words, body, line);
    }

    private GrubLoop Loop(string keyword, int depth)
    {
        int line = Line;
        Command(); // the loop header up to the end of the command
        var header = Statements(depth + 1, ["do"], out string? s, out _);
        if (s is null) throw new BootFormatException($"{_source}:{line}: {keyword} without 'do'");
        Statements(depth + 1, ["done"], out s, out _);
        if (s is null) throw new BootFormatException($"{_source}:{line}: {keyword} without 'done'");
        _ = header;
        return new GrubLoop(keyword, line);
    }
}
