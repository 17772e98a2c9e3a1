using Fobnail.Boot.Files;

namespace Fobnail.Boot.Bls;

/// <summary>
/// Reads every <c>*.conf</c> in an entries directory of one filesystem and sorts them as the Boot Loader
/// Specification says: entries with a sort-key first (by sort-key, then machine-id, then version newest first),
/// then the rest by id, newest version first. A broken entry is skipped with its reason in <see cref="Skipped"/>.
/// </summary>
public sealed record BlsDirectory(IReadOnlyList<BlsEntry> Entries, IReadOnlyList<string> Skipped)
{
    public static BlsDirectory Read(FilesystemRoot fs, string directory)
    {
        var entries = new List<BlsEntry>();
        var skipped = new List<string>();
        IReadOnlyList<string> names;
        try { names = fs.ListFiles(directory, "*.conf", fs.Limits.MaxEntries); }
        catch (BootFormatException e) { return new BlsDirectory([], [$"{directory}: {e.Message}"]); }
        foreach (string name in names)
        {
            string path = $"{directory}/{name}";
            try
            {
                string? text = fs.ReadText(path);
                if (text is null) continue;
                entries.Add(BlsEntryParser.Parse(name[..^".conf".Length], text, fs.Limits));
            }
            catch (BootFormatException e) { skipped.Add($"{path}: {e.Message}"); }
        }
        entries.Sort(CompareEntries);
        return new BlsDirectory(entries, skipped);
    }

    public static int CompareEntries(BlsEntry a, BlsEntry b)
    {
        bool ka = a.SortKey is not null, kb = b.SortKey is not null;
        if (ka != kb) return ka ? -1 : 1;
        if (ka)
        {
            int c = string.CompareOrdinal(a.SortKey, b.SortKey);
            if (c == 0) c = string.CompareOrdinal(a.MachineId, b.MachineId);
            if (c == 0) c = -VersionComparer.Instance.Compare(a.Version, b.Version);
            if (c != 0) return c;
        }
        return -VersionComparer.Instance.Compare(a.Id, b.Id);
    }
}
