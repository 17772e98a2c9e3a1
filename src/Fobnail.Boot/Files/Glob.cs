namespace Fobnail.Boot.Files;

/// <summary>fnmatch(3) without flags for '*', '?' and '[...]' (loader.conf default patterns). Linear-time for '*'.</summary>
public static class Glob
{
    public static bool Match(string pattern, string text)
    {
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*') { starP = p++; starT = t; continue; }
            if (p < pattern.Length && MatchOne(pattern, ref p, text[t])) { t++; continue; }
            if (starP < 0) return false;
            p = starP + 1;
            t = ++starT;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    // Advances p past one pattern element when it matches c.
    private static bool MatchOne(string pattern, ref int p, char c)
    {
        char pc = pattern[p];
        if (pc == '?') { p++; return true; }
        if (pc == '[')
        {
            int end = pattern.IndexOf(']', p + 2);
            if (end < 0) { if (c != '[') return false; p++; return true; }
            bool negate = pattern[p + 1] is '!' or '^';
            bool hit = false;
            for (int i = p + (negate ? 2 : 1); i < end; i++)
            {
                if (i + 2 < end && pattern[i + 1] == '-') { hit |= c >= pattern[i] && c <= pattern[i + 2]; i += 2; }
                else hit |= c == pattern[i];
            }
            if (hit == negate) return false;
            p = end + 1;
            return true;
        }
        if (pc == '\\' && p + 1 < pattern.Length) pc = pattern[++p];
        if (pc != c) return false;
        p++;
        return true;
    }
}
