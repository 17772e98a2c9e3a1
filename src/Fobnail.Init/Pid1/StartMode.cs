namespace Fobnail.Init.Pid1;

/// <summary>
/// Whether this process is the kernel's /init. Being PID 1 is not enough: <c>unshare -p -f fobnail-init tpm info</c>
/// is PID 1 of a new PID namespace, and running the boot sequence there would mount filesystems, write to the
/// host's console and /dev/kmsg and change machine-wide settings (kernel.printk_devkmsg). The kernel starts
/// /init (or rdinit=/init=) as PID 1 with argv[0] = that path, so the program name "init" is what selects the
/// mode; the arguments are whatever words of the kernel command line it did not understand, and do not count.
/// Installed under another name (init=/sbin/fobnail-init), the kernel command line selects the mode explicitly
/// with <c>-- --init</c> (words after "--" are init's arguments).
/// </summary>
internal static class StartMode
{
    public static bool IsInit(int pid, string? argv0, IReadOnlyList<string> args) =>
        pid == 1 && (Path.GetFileName(argv0) is "init" || args.Contains(InitFlag));

    public const string InitFlag = "--init";
}
