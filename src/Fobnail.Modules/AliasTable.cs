namespace Fobnail.Modules;

/// <summary>
/// Alias patterns in file order, bucketed by their literal prefix up to the first ':' (the bus: "pci",
/// "usb", "acpi", ...) so a modalias is only globbed against its own bus's patterns plus the few patterns
/// that start with a wildcard. Every match is returned, in file order, without duplicates, as modprobe does.
/// </summary>
public sealed class AliasTable
{
    private readonly List<ModuleAlias> _aliases;
    private readonly Dictionary<string, List<int>> _byPrefix = new(StringComparer.Ordinal);
    private readonly List<int> _wildcardPrefix = [];

    public AliasTable(IEnumerable<ModuleAlias> aliases)
    {
        _aliases = [.. aliases];
        for (int i = 0; i < _aliases.Count; i++)
        {
            string? key = LiteralKey(_aliases[i].Pattern);
            if (key is null)
                _wildcardPrefix.Add(i);
            else
            {
                if (!_byPrefix.TryGetValue(key, out var list))
                    _byPrefix[key] = list = [];
                list.Add(i);
            }
        }
    }

    public static AliasTable Empty { get; } = new([]);

    public IReadOnlyList<ModuleAlias> Aliases => _aliases;

    /// <summary>Module names whose patterns match <paramref name="normalizedAlias"/>, in file order.</summary>
    public IReadOnlyList<string> Match(string normalizedAlias)
    {
        int colon = normalizedAlias.IndexOf(':');
        string key = colon < 0 ? normalizedAlias : normalizedAlias[..colon];
        _byPrefix.TryGetValue(key, out var bucket);
        var result = new List<string>();
        int b = 0, w = 0;
        // Merge the two ordered index lists so results keep file order.
        while ((bucket is not null && b < bucket.Count) || w < _wildcardPrefix.Count)
        {
            int i;
            if (bucket is not null && b < bucket.Count && (w >= _wildcardPrefix.Count || bucket[b] < _wildcardPrefix[w]))
                i = bucket[b++];
            else
                i = _wildcardPrefix[w++];
            ModuleAlias alias = _aliases[i];
            if (!result.Contains(alias.Module) && Glob.IsMatch(alias.Pattern, normalizedAlias))
                result.Add(alias.Module);
        }
        return result;
    }

    /// <summary>The pattern's text before the first ':' (or all of it), or null if a glob character comes first.</summary>
    private static string? LiteralKey(string pattern)
    {
        int end = pattern.IndexOf(':');
        string head = end < 0 ? pattern : pattern[..end];
        return head.AsSpan().IndexOfAny("*?[\\") >= 0 ? null : head;
    }
}
