using System.Runtime.InteropServices;
using Fobnail.Init.Interop;

namespace Fobnail.Init.Pid1;

/// <summary>The API filesystems PID 1 mounts before anything else, and what happened to each.</summary>
internal static class EarlyMounts
{
    public sealed record Mount(string Source, string Target, string FsType, ulong Flags, string? Data, bool Required);

    public sealed record Result(Mount Mount, bool Mounted, bool AlreadyMounted, int Errno);

    private const ulong Common = Libc.MS_NOSUID | Libc.MS_RELATIME;

    /// <summary>Order matters: /dev before anything opens a device, /sys before securityfs on /sys/kernel/security.</summary>
    public static readonly IReadOnlyList<Mount> Table =
    [
        new("proc", "/proc", "proc", Common | Libc.MS_NODEV | Libc.MS_NOEXEC, null, Required: true),
        new("sysfs", "/sys", "sysfs", Common | Libc.MS_NODEV | Libc.MS_NOEXEC, null, Required: true),
        new("devtmpfs", "/dev", "devtmpfs", Common, "mode=0755", Required: true),
        new("tmpfs", "/run", "tmpfs", Common | Libc.MS_NODEV, "mode=0755", Required: true),
        new("tmpfs", "/tmp", "tmpfs", Common | Libc.MS_NODEV, "mode=1777", Required: true),
        // The TPM event log (binary_bios_measurements) lives here; useful, not essential.
        new("securityfs", "/sys/kernel/security", "securityfs", Common | Libc.MS_NODEV | Libc.MS_NOEXEC, null, Required: false),
    ];

    public static IReadOnlyList<Result> MountAll()
    {
        var results = new List<Result>(Table.Count);
        foreach (var m in Table)
        {
            try { Directory.CreateDirectory(m.Target); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            int rc = Libc.mount(m.Source, m.Target, m.FsType, m.Flags, m.Data);
            int errno = rc == 0 ? 0 : Marshal.GetLastPInvokeError();
            results.Add(new Result(m, rc == 0, errno == Libc.EBUSY, errno));
        }
        return results;
    }
}
