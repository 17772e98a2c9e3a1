using System.Runtime.InteropServices;

namespace Fobnail.Tpm.Interop;

/// <summary>struct pollfd from poll.h.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int fd;
    public short events;
    public short revents;
}
