using System.Runtime.InteropServices;

namespace Fobnail.Tpm.Interop;

/// <summary>
/// The few syscalls the TPM transports need, bound 1:1 with the kernel's names. Plain open/read/write avoid
/// FileStream's buffering and seeking, which the TPM driver does not support (one write = one command, one
/// read = one whole response); poll/eventfd bound and cancel the wait for a response.
/// </summary>
internal static unsafe partial class Libc
{
    public const int O_RDWR = 0x0002;
    public const int O_NONBLOCK = 0x0800;
    public const int O_CLOEXEC = 0x80000;
    public const int EFD_NONBLOCK = O_NONBLOCK;
    public const int EFD_CLOEXEC = O_CLOEXEC;
    public const short POLLIN = 0x001;
    public const int EINTR = 4;
    public const int EAGAIN = 11;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string pathname, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint read(int fd, void* buf, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint write(int fd, void* buf, nuint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint nfds, int timeout);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int eventfd(uint initval, int flags);
}
