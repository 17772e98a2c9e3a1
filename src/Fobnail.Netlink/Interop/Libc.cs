using System.Runtime.InteropServices;

namespace Fobnail.Netlink.Interop;

/// <summary>
/// Thin 1:1 bindings of the libc syscall wrappers this library needs, with the kernel's names and argument
/// order. Errors are reported through errno (SetLastError), read with Marshal.GetLastPInvokeError().
/// </summary>
internal static unsafe partial class Libc
{
    public const int AF_NETLINK = 16;
    public const int SOCK_RAW = 3;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int SOCK_NONBLOCK = 0x800;

    public const int SOL_SOCKET = 1;
    public const int SO_RCVBUF = 8;
    public const int SO_RCVBUFFORCE = 33;

    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_TRUNC = 0x20;

    public const int EFD_CLOEXEC = 0x80000;
    public const int EFD_NONBLOCK = 0x800;

    public const short POLLIN = 0x1;
    public const short POLLERR = 0x8;
    public const short POLLHUP = 0x10;

    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int ENOBUFS = 105;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int bind(int sockfd, SockaddrNl* addr, uint addrlen);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getsockname(int sockfd, SockaddrNl* addr, uint* addrlen);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsockopt(int sockfd, int level, int optname, void* optval, uint optlen);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint sendto(int sockfd, void* buf, nuint len, int flags, SockaddrNl* dest_addr, uint addrlen);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint recvfrom(int sockfd, void* buf, nuint len, int flags, SockaddrNl* src_addr, uint* addrlen);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint nfds, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int eventfd(uint initval, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint read(int fd, void* buf, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, void* buf, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    /// <summary>PATH_MAX from linux/limits.h: the buffer size realpath(3) requires.</summary>
    public const int PATH_MAX = 4096;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial byte* realpath(string path, byte* resolved_path);
}
