using System.Globalization;

namespace Fobnail.Tpm;

/// <summary>
/// The tpm2-tools PCR selection syntax for the CLI: `sha256:0,1,2,3-7+sha1:0-7`; `all` for every PCR 0-23.
/// </summary>
public static class TpmPcrSelectionSyntax
{
    public static TpmlPcrSelection Parse(string text)
    {
        var banks = new List<TpmsPcrSelection>();
        foreach (string part in text.Split('+'))
        {
            int colon = part.IndexOf(':');
            if (colon <= 0)
                throw new FormatException($"'{part}': expected BANK:PCRS, e.g. sha256:0-7,17,18");
            TpmAlgId hash = TpmHash.Find(part[..colon])?.Id
                ?? throw new FormatException($"'{part[..colon].ToLowerInvariant()}' is not a PCR bank ({TpmHash.Names})");
            if (banks.Any(b => b.Hash == hash))
                throw new FormatException($"bank {part[..colon]} given twice");
            var pcrs = new List<int>();
            string list = part[(colon + 1)..];
            foreach (string item in list == "all" ? ["0-23"] : list.Split(','))
            {
                int dash = item.IndexOf('-');
                int first = Index(dash < 0 ? item : item[..dash]);
                int last = dash < 0 ? first : Index(item[(dash + 1)..]);
                if (last < first)
                    throw new FormatException($"'{item}' is an empty range");
                for (int pcr = first; pcr <= last; pcr++)
                    pcrs.Add(pcr);
            }
            banks.Add(TpmsPcrSelection.Of(hash, pcrs));
        }
        return new TpmlPcrSelection(banks.ToArray());
    }

    private static int Index(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int pcr) && pcr < 24
            ? pcr
            : throw new FormatException($"'{text}' is not a PCR index 0-23");
}
