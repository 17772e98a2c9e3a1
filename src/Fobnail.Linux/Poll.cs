using System.Runtime.InteropServices;
using Tmds.Linux;

namespace Fobnail.Linux;

// <poll.h>
public static unsafe partial class Sys
{
    /// <summary>
    /// poll(2) with errno captured. Tmds.LibC 0.5.0 binds poll without SetLastError, so after its poll an
    /// EINTR cannot be told from any other failure (LibC.errno would show an older call's value).
    /// </summary>
    [LibraryImport(Libc, EntryPoint = "poll", SetLastError = true)]
    public static partial int poll(pollfd* fds, nuint nfds, int timeout);
}
