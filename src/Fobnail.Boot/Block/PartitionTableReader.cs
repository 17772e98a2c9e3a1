using System.Buffers.Binary;
using System.Text;

namespace Fobnail.Boot.Block;

/// <summary>
/// Reads what the kernel's sysfs does not give: the MBR kind (protective or not) and the GPT's partition type
/// GUIDs, names and unique GUIDs (PARTUUID). Header and entry array CRC-32s are checked; a bad primary header
/// falls back to the backup at the last LBA, as firmware does. Everything is bounded by the header's own fields,
/// which are checked before use (entry size 128·2^n, at most <see cref="BootLimits.MaxGptEntries"/> entries).
/// </summary>
public static class PartitionTableReader
{
    private const ulong GptSignature = 0x5452415020494645UL; // "EFI PART"
    private const int MbrPartitionTable = 446;

    /// <param name="disk">The whole disk, seekable.</param>
    /// <param name="sectorSize">Logical block size (sysfs queue/logical_block_size): 512 or 4096.</param>
    /// <param name="diskBytes">Size of the disk (sysfs size × 512: a block device's stat size is 0); null: the stream's length.</param>
    public static PartitionTable Read(Stream disk, int sectorSize = 512, long? diskBytes = null, BootLimits? limits = null)
    {
        limits ??= BootLimits.Default;
        long size = diskBytes ?? disk.Length;
        if (sectorSize is not (512 or 1024 or 2048 or 4096))
            throw new BootFormatException($"unsupported logical block size {sectorSize}");
        byte[] mbr = ReadAt(disk, size, 0, 512);
        if (mbr[510] != 0x55 || mbr[511] != 0xAA) return new PartitionTable(PartitionTableKind.None, null, []);
        bool protective = false;
        for (int i = 0; i < 4; i++)
            if (mbr[MbrPartitionTable + i * 16 + 4] == 0xEE) protective = true;
        if (!protective) return new PartitionTable(PartitionTableKind.Mbr, null, []);

        string? note = null;
        try { return ReadGpt(disk, size, 1, sectorSize, limits, null); }
        catch (BootFormatException primary)
        {
            note = $"primary GPT: {primary.Message}";
            long sectors = size / sectorSize;
            if (sectors < 2) throw new BootFormatException(note);
            try { return ReadGpt(disk, size, (ulong)sectors - 1, sectorSize, limits, note); }
            catch (BootFormatException backup) { throw new BootFormatException($"{note}; backup GPT: {backup.Message}"); }
        }
    }

    private static PartitionTable ReadGpt(Stream disk, long size, ulong lba, int sectorSize, BootLimits limits, string? note)
    {
        byte[] header = ReadAt(disk, size, checked((long)lba * sectorSize), sectorSize);
        var h = header.AsSpan();
        if (BinaryPrimitives.ReadUInt64LittleEndian(h) != GptSignature) throw new BootFormatException($"no 'EFI PART' signature at LBA {lba}");
        uint headerSize = BinaryPrimitives.ReadUInt32LittleEndian(h[12..]);
        if (headerSize < 92 || headerSize > sectorSize) throw new BootFormatException($"header size {headerSize} out of range");
        uint headerCrc = BinaryPrimitives.ReadUInt32LittleEndian(h[16..]);
        var copy = h[..(int)headerSize].ToArray();
        copy.AsSpan(16, 4).Clear();
        if (System.IO.Hashing.Crc32.HashToUInt32(copy) != headerCrc) throw new BootFormatException("header CRC32 mismatch");
        ulong myLba = BinaryPrimitives.ReadUInt64LittleEndian(h[24..]);
        if (myLba != lba) throw new BootFormatException($"header says it is at LBA {myLba}, read at {lba}");
        var diskGuid = new Guid(h.Slice(56, 16));
        ulong entriesLba = BinaryPrimitives.ReadUInt64LittleEndian(h[72..]);
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(h[80..]);
        uint entrySize = BinaryPrimitives.ReadUInt32LittleEndian(h[84..]);
        uint entriesCrc = BinaryPrimitives.ReadUInt32LittleEndian(h[88..]);
        if (entrySize < 128 || entrySize > 4096 || (entrySize & (entrySize - 1)) != 0)
            throw new BootFormatException($"partition entry size {entrySize} is not 128·2^n");
        if (count > limits.MaxGptEntries) throw new BootFormatException($"{count} partition entries, more than {limits.MaxGptEntries}");
        if (entriesLba > (ulong)(size / sectorSize)) throw new BootFormatException($"partition entries at LBA {entriesLba} are past the end of the disk");
        if (entriesLba < 2 && lba == 1) throw new BootFormatException($"partition entries at LBA {entriesLba} overlap the header");

        byte[] entries = ReadAt(disk, size, checked((long)entriesLba * sectorSize), checked((int)(count * entrySize)));
        if (System.IO.Hashing.Crc32.HashToUInt32(entries) != entriesCrc) throw new BootFormatException("partition entry array CRC32 mismatch");
        var partitions = new List<GptPartition>();
        for (int i = 0; i < count; i++)
        {
            var e = entries.AsSpan(i * (int)entrySize, (int)entrySize);
            var type = new Guid(e[..16]);
            if (type == Guid.Empty) continue;
            ulong first = BinaryPrimitives.ReadUInt64LittleEndian(e[32..]);
            ulong last = BinaryPrimitives.ReadUInt64LittleEndian(e[40..]);
            if (last < first) throw new BootFormatException($"partition {i + 1} ends (LBA {last}) before it starts (LBA {first})");
            string name = Encoding.Unicode.GetString(e.Slice(56, 72)).Split('\0')[0];
            partitions.Add(new GptPartition(i + 1, type, new Guid(e.Slice(16, 16)), first, last, BinaryPrimitives.ReadUInt64LittleEndian(e[48..]), name));
        }
        return new PartitionTable(PartitionTableKind.Gpt, diskGuid, partitions, note);
    }

    private static byte[] ReadAt(Stream disk, long size, long offset, int length)
    {
        if (offset < 0) throw new BootFormatException($"offset {offset} out of range");
        if (offset + length > size)
            throw new BootFormatException($"{length} bytes at offset {offset} are past the end of the disk ({size} bytes)");
        disk.Seek(offset, SeekOrigin.Begin);
        var buffer = new byte[length];
        try { disk.ReadExactly(buffer); }
        catch (EndOfStreamException) { throw new BootFormatException($"short read at offset {offset}"); }
        return buffer;
    }
}
