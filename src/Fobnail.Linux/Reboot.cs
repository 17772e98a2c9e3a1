using System.Runtime.InteropServices;

namespace Fobnail.Linux;

// <sys/reboot.h> and <linux/reboot.h>
public static partial class Sys
{
    public const int RB_AUTOBOOT = 0x01234567;
    public const int RB_HALT_SYSTEM = unchecked((int)0xcdef0123);
    public const int RB_POWER_OFF = 0x4321fedc;
    /// <summary>Ctrl-Alt-Del sends SIGINT to PID 1 instead of rebooting.</summary>
    public const int RB_DISABLE_CAD = 0;
    /// <summary>LINUX_REBOOT_CMD_KEXEC: "EXEC" in ASCII; boots the kernel loaded by kexec_file_load.</summary>
    public const int LINUX_REBOOT_CMD_KEXEC = 0x45584543;

    /// <summary>glibc's reboot(int howto): it supplies LINUX_REBOOT_MAGIC1/2 itself.</summary>
    [LibraryImport(Libc, EntryPoint = "reboot", SetLastError = true)]
    public static partial int reboot(int howto);
}
