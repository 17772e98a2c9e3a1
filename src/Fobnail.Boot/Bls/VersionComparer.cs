namespace Fobnail.Boot.Bls;

/// <summary>
/// The UAPI Version Format comparison (as systemd's strverscmp_improved and, for the cases boot entries use,
/// rpm's vercmp): compare runs of digits numerically and runs of letters alphabetically; '~' sorts before
/// everything (pre-releases), other separators only separate.
/// </summary>
public sealed class VersionComparer : IComparer<string?>
{
    public static VersionComparer Instance { get; } = new();

    public int Compare(string? a, string? b)
    {
        a ??= ""; b ??= "";
        int i = 0, j = 0;
        while (true)
        {
            while (i < a.Length && !char.IsAsciiLetterOrDigit(a[i]) && a[i] != '~') i++;
            while (j < b.Length && !char.IsAsciiLetterOrDigit(b[j]) && b[j] != '~') j++;
            bool ta = i < a.Length && a[i] == '~', tb = j < b.Length && b[j] == '~';
            if (ta || tb)
            {
                if (!ta) return 1;
                if (!tb) return -1;
                i++; j++;
                continue;
            }
            if (i >= a.Length || j >= b.Length) return (i < a.Length).CompareTo(j < b.Length);
            bool da = char.IsAsciiDigit(a[i]), db = char.IsAsciiDigit(b[j]);
            if (da != db) return da ? 1 : -1; // a number is newer than letters (rpm)
            int si = i, sj = j;
            if (da)
            {
                while (i < a.Length && char.IsAsciiDigit(a[i])) i++;
                while (j < b.Length && char.IsAsciiDigit(b[j])) j++;
                string na = a[si..i].TrimStart('0'), nb = b[sj..j].TrimStart('0');
                int c = na.Length != nb.Length ? na.Length.CompareTo(nb.Length) : string.CompareOrdinal(na, nb);
                if (c != 0) return Math.Sign(c);
            }
            else
            {
                while (i < a.Length && char.IsAsciiLetter(a[i])) i++;
                while (j < b.Length && char.IsAsciiLetter(b[j])) j++;
                int c = string.CompareOrdinal(a[si..i], b[sj..j]);
                if (c != 0) return Math.Sign(c);
            }
        }
    }
}
