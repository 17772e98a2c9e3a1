namespace Fobnail.Boot.Entries;

/// <summary>
/// Picks the entry to boot. Without a selector: the first bootable entry its boot loader marks as default (the
/// scanner lists boot loaders in precedence order); if that default is broken, nothing is chosen (booting
/// something else than the system would is not a silent decision); with no default at all, the first bootable entry.
/// With fobnail.boot.entry=: an id, else a title (GRUB's "submenu&gt;title" form too), else a 0-based index.
/// </summary>
public static class EntryChooser
{
    public sealed record Choice(BootEntry? Entry, string Reason);

    public static Choice Choose(IReadOnlyList<BootEntry> entries, string? selector)
    {
        if (entries.Count == 0) return new Choice(null, "no boot entries found");
        if (selector is { Length: > 0 })
        {
            BootEntry? match = entries.FirstOrDefault(e => e.Id == selector)
                ?? entries.FirstOrDefault(e => e.Title == selector)
                ?? entries.FirstOrDefault(e => e.Title.Split('>')[^1] == selector);
            string how = match is null ? "" : match.Id == selector ? "its id" : "its title";
            if (match is null && int.TryParse(selector, out int index) && index >= 0 && index < entries.Count && selector.All(char.IsAsciiDigit))
            {
                match = entries[index];
                how = $"index {index}";
            }
            if (match is null) return new Choice(null, $"fobnail.boot.entry={selector} matches no entry (ids: {string.Join(", ", entries.Select(e => e.Id))})");
            return match.Problem is null
                ? new Choice(match, $"fobnail.boot.entry={selector} matches {how}")
                : new Choice(null, $"fobnail.boot.entry={selector} matches {match.Id}, which cannot be booted: {match.Problem}");
        }
        BootEntry? marked = entries.FirstOrDefault(e => e.IsDefault);
        if (marked is not null)
            return marked.Problem is null
                ? new Choice(marked, $"the default entry of {marked.Config} ({marked.SourceName})")
                : new Choice(null, $"the default entry {marked.Id} of {marked.Config} cannot be booted: {marked.Problem}; choose one with fobnail.boot.entry=");
        BootEntry? first = entries.FirstOrDefault(e => e.Problem is null);
        return first is null
            ? new Choice(null, "no entry can be booted: " + string.Join("; ", entries.Select(e => $"{e.Id}: {e.Problem}")))
            : new Choice(first, "no boot loader names a default: the first bootable entry");
    }

    /// <summary>The command line with fobnail.boot.append= added (space-separated, as GRUB joins arguments).</summary>
    public static string Cmdline(BootEntry entry, string? append) =>
        string.IsNullOrWhiteSpace(append) ? entry.Cmdline : (entry.Cmdline.Length == 0 ? append : $"{entry.Cmdline} {append}");
}
