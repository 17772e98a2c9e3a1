namespace Fobnail.Modules;

/// <summary>
/// fnmatch(3) with flags 0, which is what kmod uses for modules.alias patterns: '*' matches any run of
/// characters (including '/' and a leading '.': no FNM_PATHNAME/FNM_PERIOD), '?' any one character,
/// '[...]' a bracket expression ('!' or '^' negates, ranges, [:class:]), '\' quotes the next character.
/// A '[' without a closing ']' is an ordinary character, as in glibc. Iterative with one backtrack point
/// per '*', and where each bracket expression ends is worked out once per call in one pass over the pattern, so
/// matching is O(pattern × text) and cannot blow up on hostile input (before, every attempt at a '[' rescanned
/// the rest of the pattern for its ']': 1,000 unclosed '[' against 12,000 characters took seconds).
/// </summary>
public static class Glob
{
    public static bool IsMatch(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        Span<int> scan = pattern.Contains('[')
            ? pattern.Length <= 128 ? stackalloc int[2 * pattern.Length] : new int[2 * pattern.Length]
            : default;
        if (!scan.IsEmpty)
            FillBracketScan(pattern, scan);
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
                int consumed = MatchOne(pattern, scan, p, text[t]);
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
    private static int MatchOne(ReadOnlySpan<char> pattern, ReadOnlySpan<int> scan, int p, char c)
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
                int end = BracketEnd(pattern, scan, p);
                if (end < 0)
                    return c == '[' ? 1 : 0;
                return MatchBracket(pattern[(p + 1)..end], c) ? end - p + 1 : 0;
            default:
                return pc == c ? 1 : 0;
        }
    }

    /// <summary>Index of the ']' closing the bracket expression opened at <paramref name="open"/>, or -1.</summary>
    private static int BracketEnd(ReadOnlySpan<char> pattern, ReadOnlySpan<int> scan, int open)
    {
        int i = open + 1;
        if (i < pattern.Length && (pattern[i] == '!' || pattern[i] == '^'))
            i++;
        if (i < pattern.Length && pattern[i] == ']')
            i++; // a ']' first in the list is a member, not the end
        return i < pattern.Length ? scan[i] : -1;
    }

    /// <summary>
    /// scan[k] (k &lt; pattern length) = the ']' a bracket list body scanned from k stops at, or -1: an escaped
    /// character and a "[:class:]" are skipped whole. Filled right to left, since the scan from k only depends on
    /// the scan from the next element; scan[n + k] is the scratch "first ':]' at or after k".
    /// </summary>
    private static void FillBracketScan(ReadOnlySpan<char> pattern, Span<int> scan)
    {
        int n = pattern.Length;
        Span<int> colonClose = scan[n..];
        int From(Span<int> table, int k) => k < n ? table[k] : -1;
        for (int k = n - 1; k >= 0; k--)
            colonClose[k] = pattern[k] == ':' && k + 1 < n && pattern[k + 1] == ']' ? k : From(colonClose, k + 1);
        for (int k = n - 1; k >= 0; k--)
        {
            char c = pattern[k];
            if (c == ']')
                scan[k] = k;
            else if (c == '\\' && k + 1 < n)
                scan[k] = From(scan, k + 2);
            else if (c == '[' && k + 1 < n && pattern[k + 1] == ':')
            {
                int close = From(colonClose, k + 2);
                scan[k] = From(scan, close < 0 ? k + 1 : close + 2);
            }
            else
                scan[k] = From(scan, k + 1);
        }
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
