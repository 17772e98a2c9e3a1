namespace Fobnail.Boot.Block;

/// <summary>GPT partition type GUIDs the boot step cares about (UEFI spec table 5.7; UAPI Discoverable Partitions Specification).</summary>
public static class PartitionTypes
{
    /// <summary>EFI System Partition.</summary>
    public static readonly Guid EfiSystem = new("C12A7328-F81F-11D2-BA4B-00A0C93EC93B");

    /// <summary>Extended Boot Loader Partition (XBOOTLDR, Boot Loader Specification).</summary>
    public static readonly Guid ExtendedBootLoader = new("BC13C2FF-59E6-4262-A352-B275FD6F7172");

    /// <summary>Linux filesystem data (generic).</summary>
    public static readonly Guid LinuxFilesystem = new("0FC63DAF-8483-4772-8E79-3D69D8477DE4");

    /// <summary>Root partition, x86-64 (Discoverable Partitions Specification).</summary>
    public static readonly Guid LinuxRootX86_64 = new("4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709");

    /// <summary>BIOS boot partition (GRUB's core.img on GPT disks).</summary>
    public static readonly Guid BiosBoot = new("21686148-6449-6E6F-744E-656564454649");

    public static string Name(Guid type) =>
        type == EfiSystem ? "esp"
        : type == ExtendedBootLoader ? "xbootldr"
        : type == LinuxFilesystem ? "linux"
        : type == LinuxRootX86_64 ? "root-x86-64"
        : type == BiosBoot ? "bios-boot"
        : type.ToString();
}
