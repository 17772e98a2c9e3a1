namespace Fobnail.Boot.Entries;

public enum BootEntrySource { Bls, Grub, Syslinux }

/// <summary>A file on one of the <see cref="BootFilesystems"/>: its device and its path relative to that filesystem's root.</summary>
public sealed record BootFile(string Device, string Path)
{
    public override string ToString() => $"({Device}){Path}";
}

/// <summary>
/// A bootable entry as its boot loader defines it. <see cref="Problem"/> says why it cannot be booted (no kernel,
/// missing file, a path with ".." ...); such entries are listed but never chosen.
/// </summary>
public sealed record BootEntry
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    public required BootEntrySource Source { get; init; }
    public BootFile? Kernel { get; init; }
    public IReadOnlyList<BootFile> Initrd { get; init; } = [];
    public string Cmdline { get; init; } = "";

    /// <summary>The entry the boot loader itself would boot (marked by the parser of its config).</summary>
    public bool IsDefault { get; init; }

    /// <summary>Where the entry came from ("vda2:/grub/grub.cfg").</summary>
    public required string Config { get; init; }
    public string? Problem { get; init; }

    /// <summary>The kernel's device (the device of the config when there is no kernel).</summary>
    public string Device => Kernel?.Device ?? Config.Split(':')[0];

    public string SourceName => Source switch { BootEntrySource.Bls => "bls", BootEntrySource.Grub => "grub", _ => "syslinux" };

    /// <summary>Initrd paths as shown: relative to their filesystem, "(device)/path" when on another one than the kernel.</summary>
    public IEnumerable<string> InitrdShown => Initrd.Select(f => f.Device == Device ? f.Path : f.ToString());
}
