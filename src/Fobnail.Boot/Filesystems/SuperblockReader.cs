using System.Buffers.Binary;
using System.Text;

namespace Fobnail.Boot.Filesystems;

/// <summary>
/// Identifies a filesystem from its superblock, reading only fixed-size, fixed-offset structures (at most
/// 68 KiB from the start of the device): ext2/3/4 (superblock at 1024, magic 0xEF53), XFS ("XFSB" at 0),
/// btrfs ("_BHRfS_M" in the superblock at 64 KiB) and FAT12/16/32 (boot sector with a BIOS parameter block that
/// passes the same sanity checks blkid makes). Returns null when none matches.
/// </summary>
public static class SuperblockReader
{
    /// <summary>Bytes read from the start of the device: enough for the btrfs superblock at 64 KiB.</summary>
    public const int ProbeBytes = 0x10000 + 4096;

    public static FilesystemInfo? Read(Stream device)
    {
        var buffer = new byte[ProbeBytes];
        device.Seek(0, SeekOrigin.Begin);
        int total = 0, n;
        while (total < buffer.Length && (n = device.Read(buffer, total, buffer.Length - total)) > 0) total += n;
        return Identify(buffer.AsSpan(0, total));
    }

    public static FilesystemInfo? Identify(ReadOnlySpan<byte> head) =>
        Ext(head) ?? Xfs(head) ?? Btrfs(head) ?? Fat(head);

    // ext2/3/4: struct ext4_super_block at byte 1024 (fs/ext4/ext4.h).
    private static FilesystemInfo? Ext(ReadOnlySpan<byte> head)
    {
        if (head.Length < 1024 + 256) return null;
        var sb = head.Slice(1024, 256);
        if (BinaryPrimitives.ReadUInt16LittleEndian(sb[0x38..]) != 0xEF53) return null;
        uint logBlockSize = BinaryPrimitives.ReadUInt32LittleEndian(sb[0x18..]);
        if (logBlockSize > 6) throw new BootFormatException($"ext superblock: s_log_block_size {logBlockSize} out of range");
        uint compat = BinaryPrimitives.ReadUInt32LittleEndian(sb[0x5C..]);
        uint incompat = BinaryPrimitives.ReadUInt32LittleEndian(sb[0x60..]);
        uint roCompat = BinaryPrimitives.ReadUInt32LittleEndian(sb[0x64..]);
        const uint IncompatJournalDev = 0x8;
        // What blkid counts as ext4-only: EXTENTS, 64BIT, FLEX_BG, MMP, ... (incompat beyond FILETYPE|RECOVER|META_BG)
        // and HUGE_FILE, GDT_CSUM, DIR_NLINK, EXTRA_ISIZE, METADATA_CSUM (ro_compat beyond the ext2 set).
        const uint Ext3Incompat = 0x2 | 0x4 | 0x10;
        const uint Ext2RoCompat = 0x1 | 0x2 | 0x4;
        string type;
        if ((incompat & IncompatJournalDev) != 0) type = "jbd";
        else if ((incompat & ~Ext3Incompat) != 0 || (roCompat & ~Ext2RoCompat) != 0) type = "ext4";
        else if ((compat & 0x4) != 0) type = "ext3";
        else type = "ext2";
        return new FilesystemInfo(type, RfcUuid(sb.Slice(0x68, 16)), Text(sb.Slice(0x78, 16)));
    }

    // XFS: struct xfs_dsb at byte 0, big-endian (fs/xfs/libxfs/xfs_format.h).
    private static FilesystemInfo? Xfs(ReadOnlySpan<byte> head)
    {
        if (head.Length < 512 || !head[..4].SequenceEqual("XFSB"u8)) return null;
        uint blockSize = BinaryPrimitives.ReadUInt32BigEndian(head[4..]);
        if (blockSize < 512 || blockSize > 65536 || (blockSize & (blockSize - 1)) != 0)
            throw new BootFormatException($"xfs superblock: block size {blockSize} out of range");
        return new FilesystemInfo("xfs", RfcUuid(head.Slice(32, 16)), Text(head.Slice(108, 12)));
    }

    // btrfs: struct btrfs_super_block at 64 KiB; magic at +0x40, fsid at +0x20, label at +0x12B.
    private static FilesystemInfo? Btrfs(ReadOnlySpan<byte> head)
    {
        const int Offset = 0x10000;
        if (head.Length < Offset + 0x12B + 256) return null;
        var sb = head.Slice(Offset, 0x12B + 256);
        if (!sb.Slice(0x40, 8).SequenceEqual("_BHRfS_M"u8)) return null;
        return new FilesystemInfo("btrfs", RfcUuid(sb.Slice(0x20, 16)), Text(sb.Slice(0x12B, 256)));
    }

    // FAT: boot sector with BPB (Microsoft FAT specification); FAT32 has its extended BPB at 0x40, FAT12/16 at 0x24.
    private static FilesystemInfo? Fat(ReadOnlySpan<byte> head)
    {
        if (head.Length < 512 || head[510] != 0x55 || head[511] != 0xAA) return null;
        ushort bytesPerSector = BinaryPrimitives.ReadUInt16LittleEndian(head[0x0B..]);
        byte sectorsPerCluster = head[0x0D];
        ushort reserved = BinaryPrimitives.ReadUInt16LittleEndian(head[0x0E..]);
        byte fats = head[0x10];
        byte media = head[0x15];
        if (bytesPerSector is not (512 or 1024 or 2048 or 4096)) return null;
        if (sectorsPerCluster == 0 || (sectorsPerCluster & (sectorsPerCluster - 1)) != 0) return null;
        if (reserved == 0 || fats is < 1 or > 2 || (media < 0xF8 && media != 0xF0)) return null;
        bool fat32 = BinaryPrimitives.ReadUInt16LittleEndian(head[0x16..]) == 0; // sectors per FAT (16-bit) is 0 on FAT32
        int ext = fat32 ? 0x40 : 0x24;
        if (head[ext + 2] != 0x29 && head[ext + 2] != 0x28) return new FilesystemInfo("vfat", null, null); // no extended BPB: no serial
        uint serial = BinaryPrimitives.ReadUInt32LittleEndian(head[(ext + 3)..]);
        string? label = head[ext + 2] == 0x29 ? Text(head.Slice(ext + 7, 11)) : null;
        if (label == "NO NAME") label = null;
        return new FilesystemInfo("vfat", $"{serial >> 16:X4}-{serial & 0xFFFF:X4}", label);
    }

    /// <summary>16 bytes in RFC 4122 byte order as blkid prints them; null for an all-zero UUID.</summary>
    public static string? RfcUuid(ReadOnlySpan<byte> b)
    {
        if (b.IndexOfAnyExcept((byte)0) < 0) return null;
        string hex = Convert.ToHexStringLower(b);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    /// <summary>A NUL- or space-padded label; null when empty or not valid UTF-8.</summary>
    private static string? Text(ReadOnlySpan<byte> b)
    {
        int end = b.IndexOf((byte)0);
        if (end >= 0) b = b[..end];
        string s;
        try { s = new UTF8Encoding(false, true).GetString(b).TrimEnd(' '); }
        catch (DecoderFallbackException) { return null; }
        return s.Length == 0 ? null : s;
    }
}
