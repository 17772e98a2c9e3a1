namespace Fobnail.Boot.Bls;

/// <summary>
/// A Boot Loader Specification Type 1 entry (<c>/loader/entries/ID.conf</c>). Paths are relative to the root of the
/// filesystem the entry is on. <see cref="Options"/> keeps several <c>options</c> lines joined by a space, as the
/// specification says; GRUB's blscfg later expands <c>$kernelopts</c>-style variables in it.
/// </summary>
public sealed record BlsEntry(string Id)
{
    public string? Title { get; init; }
    public string? Version { get; init; }
    public string? MachineId { get; init; }
    public string? SortKey { get; init; }
    public string? Linux { get; init; }
    public IReadOnlyList<string> Initrd { get; init; } = [];
    public string? Efi { get; init; }
    public string Options { get; init; } = "";
    public string? Architecture { get; init; }

    /// <summary>The title a boot menu shows: title, else "version", else the id (systemd-boot's fallback).</summary>
    public string DisplayTitle => Title ?? Version ?? Id;
}
