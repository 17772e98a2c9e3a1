using System.Runtime.InteropServices;

namespace Fobnail.Init.Interop;

/// <summary>
/// The libc calls PID 1 needs, 1:1 with their C names (mount(2), reboot(2), waitpid(2), ...). Statically linked
/// through DirectPInvoke: the initramfs has no libc.so.
/// </summary>
internal static partial class Libc
{
    // <sys/mount.h>
    public const ulong MS_NOSUID = 2;
    public const ulong MS_NODEV = 4;
    public const ulong MS_NOEXEC = 8;
    public const ulong MS_RELATIME = 1 << 21;

    // <sys/reboot.h> (glibc's reboot(int) wraps the syscall with the magic numbers)
    public const int RB_AUTOBOOT = 0x01234567;
    public const int RB_HALT_SYSTEM = unchecked((int)0xcdef0123);
    public const int RB_POWER_OFF = 0x4321fedc;
    public const int RB_DISABLE_CAD = 0;

    // <fcntl.h>
    public const int O_RDONLY = 0;
    public const int O_WRONLY = 1;
    public const int O_RDWR = 2;
    public const int O_NOCTTY = 0x100;
    public const int O_CLOEXEC = 0x80000;

    // <sys/wait.h>
    public const int WNOHANG = 1;

    // <errno.h>
    public const int EINTR = 4;
    public const int EBUSY = 16;
    public const int ECHILD = 10;

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mount(string source, string target, string fstype, ulong flags, string? data);

    [LibraryImport("libc", EntryPoint = "reboot", SetLastError = true)]
    public static partial int reboot(int howto);

    [LibraryImport("libc", EntryPoint = "sync")]
    public static partial void sync();

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    public static partial int waitpid(int pid, out int status, int options);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    public static partial int dup2(int oldfd, int newfd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static unsafe partial nint write(int fd, byte* buf, nuint count);

    [LibraryImport("libc", EntryPoint = "setsid", SetLastError = true)]
    public static partial int setsid();

    [LibraryImport("libc", EntryPoint = "getpid")]
    public static partial int getpid();

    /// <summary>Text of errno for log lines ("ENOENT (No such file or directory)" style, without the name).</summary>
    public static string StrError(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
