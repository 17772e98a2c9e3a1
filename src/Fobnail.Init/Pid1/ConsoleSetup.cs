using Fobnail.Linux;
using Tmds.Linux;

namespace Fobnail.Init.Pid1;

internal static class ConsoleSetup
{
    /// <summary>
    /// Points stdin, stdout and stderr at /dev/console. The kernel opens them for init only if /dev/console
    /// existed in the initramfs; after devtmpfs is mounted we reopen them so they are right either way.
    /// Returns false (and leaves the descriptors alone) if /dev/console cannot be opened.
    /// </summary>
    public static unsafe bool AttachToConsole()
    {
        LibC.setsid(); // a session of our own; harmless if we already lead one
        int fd;
        fixed (byte* p = Sys.CString("/dev/console"))
            fd = LibC.open(p, LibC.O_RDWR | LibC.O_NOCTTY);
        if (fd < 0) return false;
        for (int target = 0; target <= 2; target++)
            if (fd != target) LibC.dup2(fd, target);
        if (fd > 2) LibC.close(fd);
        return true;
    }
}
