using Fobnail.Init.Interop;

namespace Fobnail.Init.Pid1;

internal static class ConsoleSetup
{
    /// <summary>
    /// Points stdin, stdout and stderr at /dev/console. The kernel opens them for init only if /dev/console
    /// existed in the initramfs; after devtmpfs is mounted we reopen them so they are right either way.
    /// Returns false (and leaves the descriptors alone) if /dev/console cannot be opened.
    /// </summary>
    public static bool AttachToConsole()
    {
        Libc.setsid(); // a session of our own; harmless if we already lead one
        int fd = Libc.open("/dev/console", Libc.O_RDWR | Libc.O_NOCTTY, 0);
        if (fd < 0) return false;
        for (int target = 0; target <= 2; target++)
            if (fd != target) Libc.dup2(fd, target);
        if (fd > 2) Libc.close(fd);
        return true;
    }
}
