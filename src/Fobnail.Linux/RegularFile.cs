using Microsoft.Win32.SafeHandles;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Fobnail.Linux;

/// <summary>
/// Opens a file that must be a regular file (a CLI input, a kexec target) without trusting what the path is and
/// without ever blocking: open(2) with O_NONBLOCK (a FIFO with no writer would otherwise block in open forever),
/// fstat(2) on the open descriptor (no race with the path) and a refusal of anything but S_IFREG (FIFOs, character
/// devices such as /dev/zero, sockets, directories), then O_NONBLOCK cleared again. Reads are bounded by the
/// caller's limit itself, never by the size stat reports (a /proc file says 0, a growing file says less).
/// </summary>
public static unsafe class RegularFile
{
    /// <summary>Opens <paramref name="path"/> read-only (O_CLOEXEC|O_NOCTTY).</summary>
    /// <exception cref="RegularFileException">Missing, unreadable or not a regular file, with a readable reason.</exception>
    public static SafeFileHandle OpenRead(string path)
    {
        byte[] name = PathBytes(path);
        int fd;
        fixed (byte* p = name)
            fd = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);
        if (fd < 0)
        {
            int e = errno;
            throw new RegularFileException(e switch
            {
                Errno.ENOENT => $"{path}: no such file",
                Errno.EACCES or Errno.EPERM => $"{path}: permission denied",
                _ => $"{path}: cannot open: {Errno.Name(e)}",
            });
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            stat st;
            if (fstat(fd, &st) != 0)
                throw new RegularFileException($"{path}: cannot stat: {Errno.Name(errno)}");
            uint type = (uint)st.st_mode & (uint)S_IFMT;
            if (type != (uint)S_IFREG)
                throw new RegularFileException($"{path}: is {TypeName(type)}, not a regular file");
            int flags = fcntl(fd, F_GETFL);
            if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0)
                throw new RegularFileException($"{path}: fcntl: {Errno.Name(errno)}");
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The whole file, at most <paramref name="maxBytes"/> bytes.</summary>
    /// <exception cref="RegularFileException">Missing, unreadable, not a regular file, or larger than the limit.</exception>
    public static byte[] ReadAll(string path, int maxBytes)
    {
        using SafeFileHandle handle = OpenRead(path);
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
    public static string ReadAllText(string path, int maxBytes) => System.Text.Encoding.UTF8.GetString(ReadAll(path, maxBytes));

    private static string TypeName(uint type) =>
        type == (uint)S_IFIFO ? "a FIFO" : type == (uint)S_IFCHR ? "a character device" : type == (uint)S_IFBLK ? "a block device"
        : type == (uint)S_IFDIR ? "a directory" : type == (uint)S_IFSOCK ? "a socket" : $"of file type 0{type >> 12:o}";

    internal static byte[] PathBytes(string path)
    {
        if (path.Length == 0 || path.Contains('\0'))
            throw new RegularFileException("a path must be non-empty and contain no NUL");
        byte[] bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(path) + 1];
        System.Text.Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }
}

/// <summary>A file that cannot be used as an input, with a message a person can read.</summary>
public sealed class RegularFileException(string message) : IOException(message);
