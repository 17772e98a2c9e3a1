using System.Runtime.InteropServices;

namespace Fobnail.Linux;

/// <summary>mount(2) flags (include/uapi/linux/mount.h) the boot step uses.</summary>
[Flags]
public enum MountFlags : ulong
{
    None = 0,
    MS_RDONLY = 1,
    MS_NOSUID = 2,
    MS_NODEV = 4,
    MS_NOEXEC = 8,
}

/// <summary>umount2(2) flags.</summary>
[Flags]
public enum UnmountFlags
{
    None = 0,
    MNT_FORCE = 1,
    MNT_DETACH = 2,
}

/// <summary>
/// mount(2) and umount2(2), bound 1:1 through glibc. Failures are <see cref="IOException"/>s whose message names
/// the errno (ENODEV: the filesystem type is not registered, EBUSY, EINVAL: not that filesystem, ...) and whose
/// HResult is the errno.
/// </summary>
public static partial class Mount
{
    /// <summary>What the boot step mounts a disk's filesystem with: read-only, no devices, no set-id, no execution.</summary>
    public const MountFlags ReadOnlySafe = MountFlags.MS_RDONLY | MountFlags.MS_NODEV | MountFlags.MS_NOSUID | MountFlags.MS_NOEXEC;

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mount(string source, string target, string filesystemtype, ulong mountflags, string? data);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int umount2(string target, int flags);

    public static void MountFilesystem(string source, string target, string type, MountFlags flags, string? data = null)
    {
        if (mount(source, target, type, (ulong)flags, data) != 0)
            throw Error($"mount {source} on {target} ({type})", Marshal.GetLastPInvokeError());
    }

    public static void Unmount(string target, UnmountFlags flags = UnmountFlags.None)
    {
        if (umount2(target, (int)flags) != 0)
            throw Error($"umount {target}", Marshal.GetLastPInvokeError());
    }

    private static IOException Error(string what, int errno) =>
        new($"{what}: {Errno.Name(errno)} ({Marshal.GetPInvokeErrorMessage(errno)})", errno);
}
