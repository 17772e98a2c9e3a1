using System.Runtime.InteropServices;

namespace Fobnail.Attester.Tpm.Interop;

/// <summary>
/// The few syscalls the TPM character-device transport needs, bound 1:1 with the kernel's names. Plain
/// open/read/write avoid FileStream's buffering and seeking, which the TPM driver does not support
/// (one write = one command, one read = one whole response).
/// </summary>
internal static partial class Libc
{
    public const int O_RDWR = 0x0002;
    public const int O_CLOEXEC = 0x80000;
    public const int EINTR = 4;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string pathname, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static unsafe partial nint read(int fd, byte* buf, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static unsafe partial nint write(int fd, byte* buf, nuint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int close(int fd);
}
