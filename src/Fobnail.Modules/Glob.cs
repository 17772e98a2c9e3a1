namespace Fobnail.Modules;

/// <summary>
/// fnmatch(3) with flags 0, which is what kmod uses for modules.alias patterns: '*' matches any run of
/// characters (including '/' and a leading '.': no FNM_PATHNAME/FNM_PERIOD), '?' any one character,
/// '[...]' a bracket expression ('!' or '^' negates, ranges, [:class:]), '\' quotes the next character.
/// A '[' without a closing ']' is an ordinary character, as in glibc. Iterative with one backtrack point
/// per '*', so matching is O(pattern × text) and cannot blow up on hostile input.
/// </summary>
public static class Glob
{
    public static bool IsMatch(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        int p = 0, t = 0;
        int starP = -1, starT = -1;
        while (t < text.Length)
        {
            if (p < pattern.Length)
            {
                char pc = pattern[p];
                if (pc == '*')
                {
                    // Collapse runs of '*'; remember where to resume if the rest fails to match.
                    while (p < pattern.Length && pattern[p] == '*')
                        p++;
                    if (p == pattern.Length)
                        return true;
                    starP = p;
                    starT = t;
                    continue;
                }
                int consumed = MatchOne(pattern, p, text[t]);
                if (consumed > 0)
                {
                    p += consumed;
                    t++;
                    continue;
                }
                if (consumed < 0)
                    return false; // trailing backslash: glibc never matches
            }
            if (starP < 0)
                return false;
            // Let the last '*' swallow one more character and retry from there.
            p = starP;
            t = ++starT;
        }
        while (p < pattern.Length && pattern[p] == '*')
            p++;
        return p == pattern.Length;
    }

    /// <summary>
    /// Matches one pattern element at <paramref name="p"/> against <paramref name="c"/>: returns the element's
    /// length in the pattern if it matches, 0 if it does not, -1 for a lone trailing backslash.
    /// </summary>
    private static int MatchOne(ReadOnlySpan<char> pattern, int p, char c)
    {
        char pc = pattern[p];
        switch (pc)
        {
            case '?':
                return 1;
            case '\\':
                if (p + 1 >= pattern.Length)
                    return -1;
                return pattern[p + 1] == c ? 2 : 0;
            case '[':
                int end = BracketEnd(pattern, p);
                if (end < 0)
                    return c == '[' ? 1 : 0;
                return MatchBracket(pattern[(p + 1)..end], c) ? end - p + 1 : 0;
            default:
                return pc == c ? 1 : 0;
        }
    }

    /// <summary>Index of the ']' closing the bracket expression opened at <paramref name="open"/>, or -1.</summary>
    private static int BracketEnd(ReadOnlySpan<char> pattern, int open)
    {
        int i = open + 1;
        if (i < pattern.Length && (pattern[i] == '!' || pattern[i] == '^'))
            i++;
        if (i < pattern.Length && pattern[i] == ']')
            i++; // a ']' first in the list is a member, not the end
        while (i < pattern.Length)
        {
            char c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
                i += 2;
            else if (c == '[' && i + 1 < pattern.Length && pattern[i + 1] == ':')
            {
                int close = pattern[(i + 2)..].IndexOf(":]");
                i = close < 0 ? i + 1 : i + 2 + close + 2;
            }
            else if (c == ']')
                return i;
            else
                i++;
        }
        return -1;
    }

    private static bool MatchBracket(ReadOnlySpan<char> body, char c)
    {
        bool negate = body.Length > 0 && (body[0] == '!' || body[0] == '^');
        int i = negate ? 1 : 0;
        bool matched = false;
        while (i < body.Length)
        {
            char lo = body[i];
            if (lo == '[' && i + 1 < body.Length && body[i + 1] == ':')
            {
                int close = body[(i + 2)..].IndexOf(":]");
                if (close >= 0)
                {
                    matched |= MatchClass(body.Slice(i + 2, close), c);
                    i += 2 + close + 2;
                    continue;
                }
            }
            if (lo == '\\' && i + 1 < body.Length)
                lo = body[++i];
            i++;
            // "a-z" is a range; a '-' last in the list is a literal.
            if (i + 1 < body.Length && body[i] == '-')
            {
                char hi = body[i + 1];
                int skip = 2;
                if (hi == '\\' && i + 2 < body.Length)
                {
                    hi = body[i + 2];
                    skip = 3;
                }
                matched |= c >= lo && c <= hi;
                i += skip;
            }
            else
                matched |= c == lo;
        }
        return matched != negate;
    }

    private static bool MatchClass(ReadOnlySpan<char> name, char c) => name switch
    {
        "alpha" => char.IsAsciiLetter(c),
        "digit" => char.IsAsciiDigit(c),
        "alnum" => char.IsAsciiLetterOrDigit(c),
        "upper" => char.IsAsciiLetterUpper(c),
        "lower" => char.IsAsciiLetterLower(c),
        "xdigit" => char.IsAsciiHexDigit(c),
        "space" => c is ' ' or '\t' or '\n' or '\r' or '\f' or '\v',
        "blank" => c is ' ' or '\t',
        "punct" => c is > ' ' and < '\x7f' && !char.IsAsciiLetterOrDigit(c),
        "print" => c is >= ' ' and < '\x7f',
        "graph" => c is > ' ' and < '\x7f',
        "cntrl" => c < ' ' || c == '\x7f',
        _ => false,
    };
}
