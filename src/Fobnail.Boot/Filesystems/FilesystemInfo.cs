namespace Fobnail.Boot.Filesystems;

/// <summary>
/// A filesystem's identity as blkid reports it: type (ext2/ext3/ext4/vfat/xfs/btrfs), UUID in blkid's
/// spelling (lower-case RFC 4122 form; "ABCD-1234" for FAT volume serials) and LABEL (null when none).
/// </summary>
public sealed record FilesystemInfo(string Type, string? Uuid, string? Label)
{
    /// <summary>Does <paramref name="uuid"/> (from root=UUID=, search --fs-uuid) name this filesystem? Case-insensitive, as GRUB compares.</summary>
    public bool HasUuid(string uuid) => Uuid is not null && string.Equals(Uuid, uuid, StringComparison.OrdinalIgnoreCase);
}
