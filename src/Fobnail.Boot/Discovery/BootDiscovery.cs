using System.Diagnostics;
using Fobnail.Boot.Block;
using Fobnail.Boot.Entries;

namespace Fobnail.Boot.Discovery;

/// <summary>
/// Finds the installed system's boot entries on the machine's disks: every <see cref="PollInterval"/> it lists the
/// block devices in sysfs, probes the new ones (partition table, superblock), loads the filesystem's module when
/// a loader is given, mounts it read-only and reads the boot entries of everything mounted so far. It stops as
/// soon as an entry is chosen whose root filesystem (root=UUID=/PARTUUID=/LABEL= on its command line) is present
/// too, or when <see cref="Wait"/> has passed; then the best choice so far is returned. The caller owns
/// <see cref="Result.Mounts"/> and must unmount them before kexec.
/// </summary>
public sealed class BootDiscovery
{
    public TimeSpan Wait { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);
    public string? Selector { get; init; }
    public string SysRoot { get; init; } = "/sys";
    public string DevRoot { get; init; } = "/dev";
    public required string MountBase { get; init; }

    /// <summary>Loads a kernel module by name before its first mount (the initramfs has no modprobe for the kernel to call).</summary>
    public Func<string, CancellationToken, Task<bool>>? LoadModule { get; init; }

    public Action<string> Log { get; init; } = _ => { };

    public sealed record Result(DiskMounts Mounts, IReadOnlyList<ProbedFilesystem> Probes, BootEntryScanner.Scan Scan, EntryChooser.Choice Choice, TimeSpan Elapsed, string Why);

    public async Task<Result> RunAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var mounts = new DiskMounts(MountBase);
        var probed = new Dictionary<string, ProbedFilesystem>();
        var tables = new Dictionary<string, PartitionTable?>();
        var loaded = new HashSet<string>();
        BootEntryScanner.Scan scan = new([], []);
        EntryChooser.Choice choice = new(null, "no block devices found");
        try
        {
            while (true)
            {
                var devices = SysfsBlockDevices.Scan(SysRoot, DevRoot);
                // Only devices not probed yet (a disk is re-read when a partition of it appears).
                var fresh = devices.Where(d => !probed.ContainsKey(d.Name)).ToList();
                bool changed = false;
                if (fresh.Count > 0)
                {
                    foreach (string disk in fresh.Select(d => d.Disk).Distinct()) tables.Remove(disk);
                    foreach (ProbedFilesystem p in DeviceProber.Probe(devices, tables).Where(p => fresh.Any(f => f.Name == p.Device.Name)))
                    {
                        probed[p.Device.Name] = p;
                        Log($"disk {p} after {clock.ElapsedMilliseconds} ms");
                        if (p.Mountable && await TryMountAsync(p, mounts, loaded, ct).ConfigureAwait(false)) changed = true;
                    }
                }
                if (changed)
                {
                    scan = BootEntryScanner.Run(new BootFilesystems(mounts.Filesystems));
                    choice = EntryChooser.Choose(scan.Entries, Selector);
                    if (choice.Entry is { } entry && RootMissing(entry, probed.Values) is null)
                        return new Result(mounts, probed.Values.ToList(), scan, choice, clock.Elapsed, "the chosen entry and its root filesystem are present");
                    else if (choice.Entry is { } e) Log($"{e.Id}: waiting for its root filesystem {RootMissing(e, probed.Values)}");
                }
                if (clock.Elapsed >= Wait)
                {
                    // Devices were found but nothing could be read: say so rather than "no block devices".
                    if (mounts.Filesystems.Count == 0 && probed.Count > 0)
                        choice = new(null, $"no filesystem to read boot entries from on {probed.Count} block device(s): " +
                                           (probed.Values.Any(p => p.Mountable) ? "none could be mounted (the 'cannot mount' lines say why)" : $"none holds {string.Join(", ", ProbedFilesystem.MountableTypes)}"));
                    return new Result(mounts, probed.Values.ToList(), scan, choice, clock.Elapsed, $"fobnail.boot.wait ({Wait.TotalSeconds:0.#} s) passed");
                }
                await Task.Delay(PollInterval, ct).ConfigureAwait(false);
            }
        }
        catch
        {
            mounts.UnmountAll();
            throw;
        }
    }

    private async Task<bool> TryMountAsync(ProbedFilesystem p, DiskMounts mounts, HashSet<string> loaded, CancellationToken ct)
    {
        if (LoadModule is not null && p.Module is { } module && loaded.Add(module))
        {
            if (!await LoadModule(module, ct).ConfigureAwait(false)) Log($"module {module} for {p.Device.Name} did not load; trying to mount anyway");
            // vfat loads its codepage and iocharset tables at mount (EINVAL without them): Debian's kernel defaults
            // are CONFIG_FAT_DEFAULT_CODEPAGE=437 and CONFIG_FAT_DEFAULT_IOCHARSET="ascii", both modules.
            if (module == "vfat")
                foreach (string nls in new[] { "nls_cp437", "nls_ascii" }) await LoadModule(nls, ct).ConfigureAwait(false);
        }
        try
        {
            mounts.Mount(p);
            return true;
        }
        catch (IOException e)
        {
            Log($"cannot mount {p.Device.Name}: {e.Message}");
            return false;
        }
    }

    /// <summary>The root= of the entry's command line when it names a filesystem by UUID, PARTUUID or LABEL that is not present; else null.</summary>
    public static string? RootMissing(BootEntry entry, IEnumerable<ProbedFilesystem> probed)
    {
        string? root = entry.Cmdline.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(a => a.StartsWith("root=", StringComparison.Ordinal))?[5..];
        if (root is null) return null;
        bool present = root switch
        {
            _ when root.StartsWith("UUID=", StringComparison.Ordinal) => probed.Any(p => p.Info?.HasUuid(root[5..]) == true),
            _ when root.StartsWith("PARTUUID=", StringComparison.Ordinal) => probed.Any(p => string.Equals(p.Partition?.PartUuid.ToString(), root[9..], StringComparison.OrdinalIgnoreCase)),
            _ when root.StartsWith("LABEL=", StringComparison.Ordinal) => probed.Any(p => p.Info?.Label == root[6..]),
            _ when root.StartsWith("/dev/", StringComparison.Ordinal) && !root.StartsWith("/dev/mapper/", StringComparison.Ordinal) && !root.StartsWith("/dev/disk/", StringComparison.Ordinal) =>
                probed.Any(p => p.Device.DevNode == root || "/dev/" + p.Device.Name == root),
            _ => true, // LVM, ZFS, NFS...: nothing we could wait for
        };
        return present ? null : root;
    }
}
