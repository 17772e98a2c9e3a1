using Microsoft.Win32.SafeHandles;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Fobnail.Linux;

/// <summary>
/// Opens a file that must be a regular file, without ever blocking: open(2) with O_NONBLOCK (a FIFO with no
/// writer would otherwise block in open forever), then fstat(2) and a refusal of anything but S_IFREG (FIFOs,
/// character devices such as /dev/zero, sockets, directories), then O_NONBLOCK cleared again.
/// </summary>
public static unsafe class RegularFile
{
    /// <summary>Opens <paramref name="path"/> read-only (O_CLOEXEC|O_NOCTTY); throws IOException with the reason.</summary>
    public static SafeFileHandle OpenRead(string path)
    {
        byte[] name = PathBytes(path);
        int fd;
        fixed (byte* p = name)
            fd = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
            throw new IOException($"{path}: {Errno.Name(errno)}");
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            stat st;
            if (fstat(fd, &st) != 0)
                throw new IOException($"{path}: fstat: {Errno.Name(errno)}");
            uint type = (uint)st.st_mode & (uint)S_IFMT;
            if (type != (uint)S_IFREG)
                throw new IOException($"{path} is {TypeName(type)}, not a regular file");
            int flags = fcntl(fd, F_GETFL);
            if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0)
                throw new IOException($"{path}: fcntl: {Errno.Name(errno)}");
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static string TypeName(uint type) =>
        type == (uint)S_IFIFO ? "a FIFO" : type == (uint)S_IFCHR ? "a character device" : type == (uint)S_IFBLK ? "a block device"
        : type == (uint)S_IFDIR ? "a directory" : type == (uint)S_IFSOCK ? "a socket" : $"of file type 0{type >> 12:o}";

    internal static byte[] PathBytes(string path)
    {
        if (path.Length == 0 || path.Contains('\0'))
            throw new IOException("a path must be non-empty and contain no NUL");
        byte[] bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(path) + 1];
        System.Text.Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }
}
