using System.Runtime.InteropServices;

namespace Fobnail.Linux;

// <linux/kexec.h>; glibc has no kexec_file_load() wrapper, so it goes through syscall(2).
public static unsafe partial class Sys
{
    /// <summary>__NR_kexec_file_load: 320 on x86_64, 294 on arm64 (asm-generic unistd.h); -1 elsewhere.</summary>
    public static long SYS_kexec_file_load => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 320,
        Architecture.Arm64 => 294,
        _ => -1,
    };

    public const nuint KEXEC_FILE_UNLOAD = 0x1;
    public const nuint KEXEC_FILE_ON_CRASH = 0x2;
    public const nuint KEXEC_FILE_NO_INITRAMFS = 0x4;

    /// <summary>
    /// kexec_file_load(2). syscall(2) is variadic; on x86_64 and arm64 integer/pointer arguments of a variadic
    /// call travel in the same registers as fixed ones and glibc's syscall() only moves registers, so a fixed
    /// prototype is faithful. Every argument is register-wide so no upper half is left undefined.
    /// </summary>
    public static long kexec_file_load(int kernel_fd, int initrd_fd, nuint cmdline_len, byte* cmdline, nuint flags)
    {
        if (SYS_kexec_file_load < 0)
        {
            Marshal.SetLastPInvokeError(Errno.ENOSYS);
            return -1;
        }
        return syscall_kexec_file_load(SYS_kexec_file_load, kernel_fd, initrd_fd, cmdline_len, cmdline, flags);
    }

    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial long syscall_kexec_file_load(long number, nint kernel_fd, nint initrd_fd, nuint cmdline_len, byte* cmdline, nuint flags);
}
