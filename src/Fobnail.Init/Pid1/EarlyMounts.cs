using Fobnail.Linux;
using Tmds.Linux;

namespace Fobnail.Init.Pid1;

/// <summary>The API filesystems PID 1 mounts before anything else, and what happened to each.</summary>
internal static class EarlyMounts
{
    public sealed record Mount(string Source, string Target, string FsType, ulong Flags, string? Data, bool Required);

    public sealed record Result(Mount Mount, bool Mounted, bool AlreadyMounted, int Errno);

    private static readonly ulong Common = LibC.MS_NOSUID | LibC.MS_RELATIME;

    /// <summary>Order matters: /dev before anything opens a device, /sys before securityfs on /sys/kernel/security.</summary>
    public static readonly IReadOnlyList<Mount> Table =
    [
        new("proc", "/proc", "proc", Common | LibC.MS_NODEV | LibC.MS_NOEXEC, null, Required: true),
        new("sysfs", "/sys", "sysfs", Common | LibC.MS_NODEV | LibC.MS_NOEXEC, null, Required: true),
        new("devtmpfs", "/dev", "devtmpfs", Common, "mode=0755", Required: true),
        new("tmpfs", "/run", "tmpfs", Common | LibC.MS_NODEV, "mode=0755", Required: true),
        new("tmpfs", "/tmp", "tmpfs", Common | LibC.MS_NODEV, "mode=1777", Required: true),
        // The TPM event log (binary_bios_measurements) lives here; useful, not essential.
        new("securityfs", "/sys/kernel/security", "securityfs", Common | LibC.MS_NODEV | LibC.MS_NOEXEC, null, Required: false),
    ];

    public static unsafe IReadOnlyList<Result> MountAll()
    {
        var results = new List<Result>(Table.Count);
        foreach (var m in Table)
        {
            try { Directory.CreateDirectory(m.Target); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            int rc;
            fixed (byte* source = Sys.CString(m.Source), target = Sys.CString(m.Target), fsType = Sys.CString(m.FsType))
            fixed (byte* data = m.Data is null ? null : Sys.CString(m.Data))
                rc = LibC.mount(source, target, fsType, (ulong_t)m.Flags, data);
            int errno = rc == 0 ? 0 : Errno.Last;
            results.Add(new Result(m, rc == 0, errno == Errno.EBUSY, errno));
        }
        return results;
    }
}
