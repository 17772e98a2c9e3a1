using System.Runtime.InteropServices;

namespace Fobnail.Modules.Interop;

/// <summary>
/// The few system calls module loading needs, bound 1:1 with the kernel's names. glibc 2.36 exports no
/// finit_module() wrapper, so finit_module(2) goes through syscall(2) with the architecture's number.
/// </summary>
internal static unsafe partial class Libc
{
    public const int O_RDONLY = 0;
    public const int O_CLOEXEC = 0x80000;

    public const int ENOENT = 2;
    public const int EIO = 5;
    public const int ENOEXEC = 8;
    public const int EEXIST = 17;
    public const int ENOSYS = 38;

    /// <summary>__NR_finit_module: 313 on x86_64, 273 on arm64 (asm-generic unistd.h).</summary>
    public static long SYS_finit_module => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 313,
        Architecture.Arm64 => 273,
        _ => -1,
    };

    [LibraryImport("libc", SetLastError = true)]
    public static partial int open(byte* pathname, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    /// <summary>
    /// syscall(2) is variadic; on x86_64 and arm64 Linux integer/pointer arguments of a variadic call travel
    /// in the same registers as fixed ones, and glibc's syscall() only moves registers, so a fixed prototype
    /// is a faithful binding.
    /// </summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial long syscall(long number, nint arg1, nint arg2, nint arg3);

    /// <summary>struct utsname: six fields of _UTSNAME_LENGTH (65) bytes on Linux.</summary>
    public const int UtsFieldLength = 65;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int uname(byte* buf);
}
