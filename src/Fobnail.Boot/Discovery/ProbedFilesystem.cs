using Fobnail.Boot.Block;
using Fobnail.Boot.Filesystems;

namespace Fobnail.Boot.Discovery;

/// <summary>What probing one block device found: its filesystem (null: none we know), its GPT entry, or why probing failed.</summary>
public sealed record ProbedFilesystem(BlockDevice Device, FilesystemInfo? Info, GptPartition? Partition, string? Error)
{
    /// <summary>Filesystems the boot step mounts (the kernel modules for them are in the initramfs).</summary>
    public static readonly string[] MountableTypes = ["ext2", "ext3", "ext4", "vfat", "xfs", "btrfs"];

    public bool Mountable => Info is not null && MountableTypes.Contains(Info.Type);

    /// <summary>The kernel module that provides this filesystem type (ext2/ext3 are served by ext4 in Debian's kernel).</summary>
    public string? Module => Info?.Type switch
    {
        "ext2" or "ext3" or "ext4" => "ext4",
        "vfat" => "vfat",
        "xfs" => "xfs",
        "btrfs" => "btrfs",
        _ => null,
    };

    public override string ToString() =>
        $"{Device.Name}: {(Error is not null ? "error: " + Error : Info is null ? "no known filesystem" : $"{Info.Type} UUID={Info.Uuid ?? "-"} LABEL={Info.Label ?? "-"}")}" +
        (Partition is null ? "" : $" (GPT {PartitionTypes.Name(Partition.Type)} \"{Partition.Name}\" PARTUUID={Partition.PartUuid})");
}

/// <summary>Reads partition tables and superblocks of block devices (from their device nodes, read-only).</summary>
public static class DeviceProber
{
    public static IReadOnlyList<ProbedFilesystem> Probe(IReadOnlyList<BlockDevice> devices, Dictionary<string, PartitionTable?> tables)
    {
        var result = new List<ProbedFilesystem>();
        foreach (BlockDevice d in devices)
        {
            // A disk that has partitions is probed through them.
            if (!d.IsPartition && devices.Any(p => p.IsPartition && p.Disk == d.Name)) continue;
            GptPartition? part = null;
            if (d.IsPartition)
            {
                if (!tables.TryGetValue(d.Disk, out PartitionTable? table))
                    tables[d.Disk] = table = ReadTable(devices.FirstOrDefault(x => x.Name == d.Disk));
                part = table?.Partitions.FirstOrDefault(p => p.Number == d.PartitionNumber);
            }
            try
            {
                using var stream = new FileStream(d.DevNode, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
                result.Add(new ProbedFilesystem(d, SuperblockReader.Read(stream), part, null));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or BootFormatException)
            {
                result.Add(new ProbedFilesystem(d, null, part, e.Message));
            }
        }
        return result;
    }

    private static PartitionTable? ReadTable(BlockDevice? disk)
    {
        if (disk is null) return null;
        try
        {
            using var stream = new FileStream(disk.DevNode, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            return PartitionTableReader.Read(stream, disk.LogicalBlockSize, disk.SizeBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BootFormatException)
        {
            return new PartitionTable(PartitionTableKind.None, null, [], e.Message);
        }
    }
}
