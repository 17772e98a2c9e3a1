namespace Fobnail.Boot;

/// <summary>
/// Hard bounds for every reader in this library. A config, partition table or superblock that exceeds one is
/// rejected (or the rest of it skipped) with a <see cref="BootFormatException"/> naming the limit.
/// </summary>
public sealed record BootLimits
{
    public static BootLimits Default { get; } = new();

    /// <summary>Largest boot config read (grub.cfg, BLS entry, loader.conf, grubenv, extlinux.conf).</summary>
    public int MaxConfigBytes { get; init; } = 1 << 20;

    /// <summary>Longest line (after joining continuation lines) in a config.</summary>
    public int MaxLineLength { get; init; } = 8192;

    /// <summary>Nesting of GRUB blocks (submenu, if, function) and syslinux/GRUB includes.</summary>
    public int MaxDepth { get; init; } = 16;

    /// <summary>GRUB source/configfile includes per parse (a loop ends here).</summary>
    public int MaxIncludes { get; init; } = 32;

    /// <summary>Boot entries per config or entries directory.</summary>
    public int MaxEntries { get; init; } = 256;

    /// <summary>Symbolic links followed while resolving one path under a filesystem root.</summary>
    public int MaxSymlinks { get; init; } = 40;

    /// <summary>GPT partition entries read (the kernel's own limit is 256 for most tables).</summary>
    public int MaxGptEntries { get; init; } = 256;

    /// <summary>Longest GRUB variable value after expansion.</summary>
    public int MaxValueLength { get; init; } = 8192;
}
