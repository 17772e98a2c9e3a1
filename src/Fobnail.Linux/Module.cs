using System.Runtime.InteropServices;

namespace Fobnail.Linux;

// <linux/module.h>; glibc 2.36 has no finit_module() wrapper, so it goes through syscall(2).
public static unsafe partial class Sys
{
    /// <summary>__NR_finit_module: 313 on x86_64, 273 on arm64 (asm-generic unistd.h); -1 elsewhere.</summary>
    public static long SYS_finit_module => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 313,
        Architecture.Arm64 => 273,
        _ => -1,
    };

    public const int MODULE_INIT_IGNORE_MODVERSIONS = 1;
    public const int MODULE_INIT_IGNORE_VERMAGIC = 2;
    public const int MODULE_INIT_COMPRESSED_FILE = 4;

    /// <summary>finit_module(2); -1 with errno ENOSYS on an architecture whose number we do not know.</summary>
    public static long finit_module(int fd, byte* param_values, int flags)
    {
        if (SYS_finit_module < 0)
        {
            Marshal.SetLastPInvokeError(Errno.ENOSYS);
            return -1;
        }
        return syscall_finit_module(SYS_finit_module, fd, param_values, flags);
    }

    /// <summary>syscall(2) with a fixed prototype: see <see cref="kexec_file_load"/> for why that is faithful.</summary>
    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial long syscall_finit_module(long number, nint fd, byte* param_values, nint flags);
}
