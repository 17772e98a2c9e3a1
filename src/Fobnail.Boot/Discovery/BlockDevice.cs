namespace Fobnail.Boot.Discovery;

/// <summary>
/// A block device as sysfs describes it (/sys/class/block/NAME): a whole disk or one of its partitions, with its
/// device node, size and the disk's logical block size.
/// </summary>
public sealed record BlockDevice(string Name, string DevNode, string Disk, int? PartitionNumber, long SizeBytes, int LogicalBlockSize, bool Removable)
{
    public bool IsPartition => PartitionNumber is not null;
}

/// <summary>Lists block devices from sysfs. Skips devices that cannot hold an installed system's boot files.</summary>
public static class SysfsBlockDevices
{
    /// <summary>Name prefixes never probed: RAM disks, loop devices, compressed swap, floppies, optical drives, device-mapper, MD.</summary>
    private static readonly string[] Skipped = ["ram", "loop", "zram", "fd", "sr", "dm-", "md", "nbd"];

    public static IReadOnlyList<BlockDevice> Scan(string sysRoot = "/sys", string devRoot = "/dev")
    {
        string classDir = Path.Combine(sysRoot, "class/block");
        if (!Directory.Exists(classDir)) return [];
        var devices = new List<BlockDevice>();
        foreach (string entry in Directory.EnumerateFileSystemEntries(classDir).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(entry);
            if (Skipped.Any(name.StartsWith)) continue;
            long sectors = ReadLong(Path.Combine(entry, "size")) ?? 0;
            if (sectors == 0) continue;
            int? number = (int?)ReadLong(Path.Combine(entry, "partition"));
            // A partition's sysfs directory sits inside its disk's: /sys/devices/.../block/vda/vda2.
            string disk = number is null ? name : Path.GetFileName(Path.GetDirectoryName(ResolveLink(entry))!) ?? name;
            string diskDir = Path.Combine(classDir, disk);
            int blockSize = (int)(ReadLong(Path.Combine(diskDir, "queue/logical_block_size")) ?? 512);
            bool removable = ReadLong(Path.Combine(diskDir, "removable")) == 1;
            devices.Add(new BlockDevice(name, Path.Combine(devRoot, name), disk, number, sectors * 512, blockSize, removable));
        }
        return devices;
    }

    private static string ResolveLink(string path)
    {
        var info = new DirectoryInfo(path);
        return info.LinkTarget is null ? path : info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
    }

    private static long? ReadLong(string path)
    {
        try { return long.TryParse(File.ReadAllText(path).Trim(), out long v) ? v : null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
