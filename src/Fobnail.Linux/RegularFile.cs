using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Fobnail.Linux;

/// <summary>
/// Reads a file a person named (a CLI input) without trusting what the path is: open(2) with O_NONBLOCK, so a
/// FIFO without a writer cannot hang the open; statx(2) on the open descriptor (no race with the path), refusing
/// anything that is not a regular file (directory, FIFO, socket, /dev/zero); then a read bounded by the limit
/// itself, never by the size stat reports (a /proc file says 0, a growing file says less than it has).
/// </summary>
public static partial class RegularFile
{
    private const int O_RDONLY = 0;
    private const int O_NOCTTY = 0x100;
    private const int O_NONBLOCK = 0x800;
    private const int O_CLOEXEC = 0x80000;
    private const int AT_EMPTY_PATH = 0x1000;
    private const uint STATX_TYPE = 0x1;
    private const ushort S_IFMT = 0xF000;

    /// <summary>The first bytes of struct statx (include/uapi/linux/stat.h), the same on every architecture.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    private struct Statx
    {
        public uint Mask;
        public uint BlkSize;
        public ulong Attributes;
        public uint Nlink;
        public uint Uid;
        public uint Gid;
        public ushort Mode;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, out Statx buffer);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int close(int fd);

    /// <summary>The whole file, at most <paramref name="maxBytes"/> bytes.</summary>
    /// <exception cref="RegularFileException">Missing, unreadable, not a regular file, or larger than the limit.</exception>
    public static byte[] ReadAll(string path, int maxBytes)
    {
        using SafeFileHandle handle = Open(path);
        var content = new MemoryStream();
        byte[] buffer = new byte[64 * 1024];
        long offset = 0;
        while (true)
        {
            int want = (int)Math.Min(buffer.Length, maxBytes + 1L - offset);
            int n = RandomAccess.Read(handle, buffer.AsSpan(0, want), offset);
            if (n == 0)
                return content.ToArray();
            content.Write(buffer, 0, n);
            offset += n;
            if (offset > maxBytes)
                throw new RegularFileException($"{path}: larger than {maxBytes} bytes");
        }
    }

    /// <summary>The file as UTF-8 text, at most <paramref name="maxBytes"/> bytes.</summary>
    public static string ReadAllText(string path, int maxBytes) => Encoding.UTF8.GetString(ReadAll(path, maxBytes));

    /// <summary>A read-only descriptor of <paramref name="path"/>, which is a regular file.</summary>
    public static SafeFileHandle Open(string path)
    {
        int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new RegularFileException(errno switch
            {
                Errno.ENOENT => $"{path}: no such file",
                Errno.EACCES or Errno.EPERM => $"{path}: permission denied",
                _ => $"{path}: cannot open: {Marshal.GetPInvokeErrorMessage(errno)}",
            });
        }
        if (statx(fd, "", AT_EMPTY_PATH, STATX_TYPE, out Statx st) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            close(fd);
            throw new RegularFileException($"{path}: cannot stat: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
        string? kind = (st.Mode & S_IFMT) switch
        {
            0x8000 => null,
            0x4000 => "a directory",
            0x1000 => "a FIFO",
            0xC000 => "a socket",
            0x2000 => "a character device",
            0x6000 => "a block device",
            _ => "not a regular file",
        };
        if (kind is not null)
        {
            close(fd);
            throw new RegularFileException($"{path}: is {kind}, not a regular file");
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }
}

/// <summary>A CLI input file that cannot be used, with a message a person can read.</summary>
public sealed class RegularFileException(string message) : IOException(message);
