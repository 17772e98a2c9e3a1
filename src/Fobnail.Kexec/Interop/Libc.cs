using System.Runtime.InteropServices;

namespace Fobnail.Kexec.Interop;

/// <summary>
/// kexec_file_load(2) and reboot(2), bound 1:1 with the kernel's names. glibc has no kexec_file_load()
/// wrapper, so it goes through syscall(2) with the architecture's number.
/// </summary>
internal static unsafe partial class Libc
{
    /// <summary>__NR_kexec_file_load: 320 on x86_64, 294 on arm64 (asm-generic unistd.h).</summary>
    public static long SYS_kexec_file_load => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 320,
        Architecture.Arm64 => 294,
        _ => -1,
    };

    /// <summary>LINUX_REBOOT_CMD_KEXEC (include/uapi/linux/reboot.h): "EXEC" in ASCII.</summary>
    public const int LINUX_REBOOT_CMD_KEXEC = 0x45584543;

    public const int ENOSYS = 38;

    /// <summary>
    /// syscall(2) is variadic; on x86_64 and arm64 Linux integer/pointer arguments of a variadic call travel in
    /// the same registers as fixed ones and glibc's syscall() only moves registers, so a fixed prototype is a
    /// faithful binding. Every argument is register-wide (nint) so no upper half is left undefined.
    /// </summary>
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    public static partial long syscall_kexec_file_load(long number, nint kernel_fd, nint initrd_fd, nuint cmdline_len, byte* cmdline, nuint flags);

    /// <summary>glibc's reboot(int howto): it supplies LINUX_REBOOT_MAGIC1/2 itself.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int reboot(int howto);

    [LibraryImport("libc", SetLastError = true)]
    public static partial void sync();
}
