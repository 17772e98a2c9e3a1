using Fobnail.Boot.Entries;
using Fobnail.Boot.Files;
using Fobnail.Linux;

namespace Fobnail.Boot.Discovery;

/// <summary>
/// The filesystems mounted for reading boot entries: read-only, nodev, nosuid, noexec, each under
/// <c>{Base}/{device}</c>. <see cref="UnmountAll"/> (also Dispose) unmounts every one, detaching one that is busy,
/// so nothing is left mounted at kexec.
/// </summary>
public sealed class DiskMounts(string mountBase) : IDisposable
{
    private readonly List<(ProbedFilesystem Probe, BootFilesystem Fs)> _mounted = [];

    public string Base { get; } = mountBase;

    public IReadOnlyList<BootFilesystem> Filesystems => _mounted.Select(m => m.Fs).ToList();

    public bool IsMounted(string device) => _mounted.Any(m => m.Probe.Device.Name == device);

    /// <summary>
    /// Mounts one probed filesystem; the exception says why not. ENODEV is the kernel not knowing the type: its
    /// module did not load, or a kernel with everything built in was built without it (kernel-config/'s payload
    /// has ext4 and VFAT; Btrfs and XFS come with kernel-config/boot-fs-more.config), which the message says.
    /// </summary>
    public BootFilesystem Mount(ProbedFilesystem probe)
    {
        string target = Path.Combine(Base, probe.Device.Name);
        Directory.CreateDirectory(target);
        string type = probe.Info!.Type;
        // ext2/ext3 are mounted by the ext4 driver (CONFIG_EXT4_USE_FOR_EXT2), under their own names.
        try
        {
            Linux.Mount.MountFilesystem(probe.Device.DevNode, target, type, Linux.Mount.ReadOnlySafe);
        }
        catch (IOException e) when (e.HResult == Errno.ENODEV)
        {
            try { Directory.Delete(target); }
            catch (IOException) { }
            throw new IOException($"{e.Message}: this kernel has no {type} driver, neither built in nor loaded as a module " +
                                  "(a kernel-config/ payload reads Btrfs and XFS only when built with kernel-config/boot-fs-more.config)", e.HResult);
        }
        var fs = new BootFilesystem(probe.Device.Name, new FilesystemRoot(target), probe.Info, probe.Partition);
        _mounted.Add((probe, fs));
        return fs;
    }

    /// <summary>Unmounts everything (lazily when busy); returns what could not be unmounted at all.</summary>
    public IReadOnlyList<string> UnmountAll()
    {
        var errors = new List<string>();
        foreach (var (probe, fs) in Enumerable.Reverse(_mounted))
        {
            try { Linux.Mount.Unmount(fs.Root.Directory); }
            catch (IOException)
            {
                try { Linux.Mount.Unmount(fs.Root.Directory, UnmountFlags.MNT_DETACH); }
                catch (IOException e) { errors.Add(e.Message); continue; }
            }
            try { Directory.Delete(fs.Root.Directory); }
            catch (IOException) { }
        }
        _mounted.Clear();
        return errors;
    }

    public void Dispose() => UnmountAll();
}
