using Fobnail.Boot.Files;

namespace Fobnail.Boot.Bls;

/// <summary>
/// Parses one Type 1 entry: "key value" lines (the value is the rest of the line after whitespace), '#' comments,
/// unknown keys ignored as the specification asks. initrd and options may repeat.
/// </summary>
public static class BlsEntryParser
{
    public static BlsEntry Parse(string id, string text, BootLimits? limits = null)
    {
        limits ??= BootLimits.Default;
        var entry = new BlsEntry(id);
        var initrd = new List<string>();
        var options = new List<string>();
        foreach (var (number, line) in ConfigLines.Split(text, id + ".conf", limits))
        {
            string t = line.Trim();
            if (t.Length == 0 || t[0] == '#') continue;
            int space = t.IndexOfAny([' ', '\t']);
            string key = space < 0 ? t : t[..space];
            string value = space < 0 ? "" : t[space..].Trim();
            switch (key)
            {
                case "title": entry = entry with { Title = value }; break;
                case "version": entry = entry with { Version = value }; break;
                case "machine-id": entry = entry with { MachineId = value }; break;
                case "sort-key": entry = entry with { SortKey = value }; break;
                case "linux": entry = entry with { Linux = value }; break;
                case "efi": entry = entry with { Efi = value }; break;
                case "architecture": entry = entry with { Architecture = value }; break;
                case "initrd":
                    // Several files on one initrd line are allowed by GRUB's blscfg (Fedora writes "$tuned_initrd" there).
                    foreach (string f in value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)) initrd.Add(f);
                    break;
                case "options": options.Add(value); break;
            }
            if (initrd.Count > limits.MaxEntries) throw new BootFormatException($"{id}.conf:{number}: more than {limits.MaxEntries} initrd files");
        }
        return entry with { Initrd = initrd, Options = string.Join(' ', options) };
    }
}
