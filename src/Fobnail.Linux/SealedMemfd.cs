using Microsoft.Win32.SafeHandles;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Fobnail.Linux;

/// <summary>
/// An anonymous in-memory file (memfd_create(2) with MFD_CLOEXEC|MFD_ALLOW_SEALING) that is written once and then
/// sealed with F_SEAL_WRITE|F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_SEAL (fcntl(2) F_ADD_SEALS): after <see cref="Seal"/>
/// nobody, not even a holder of the descriptor, can change its bytes or size. Never on a filesystem: secrets
/// handed to the next kernel this way are not left in the initramfs's tmpfs.
/// </summary>
public sealed unsafe class SealedMemfd : IDisposable
{
    private long _length;

    private SealedMemfd(SafeFileHandle handle) => Handle = handle;

    public SafeFileHandle Handle { get; }

    public long Length => _length;

    public bool IsSealed { get; private set; }

    /// <summary><paramref name="name"/> shows up in /proc/PID/fd as memfd:NAME (max 249 bytes, no '/').</summary>
    public static SealedMemfd Create(string name)
    {
        byte[] bytes = RegularFile.PathBytes(name);
        int fd;
        fixed (byte* p = bytes)
            fd = memfd_create(p, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
            throw new IOException($"memfd_create: {Errno.Name(errno)}");
        return new SealedMemfd(new SafeFileHandle(fd, ownsHandle: true));
    }

    /// <summary>Appends <paramref name="data"/> at the end (pwrite, so no file offset is involved).</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        if (IsSealed) throw new InvalidOperationException("the memfd is sealed");
        RandomAccess.Write(Handle, data, _length);
        _length += data.Length;
    }

    /// <summary>Appends the whole of <paramref name="source"/> (read with pread from offset 0); returns the bytes copied.</summary>
    public long AppendFrom(SafeFileHandle source, long maxBytes)
    {
        byte[] buffer = new byte[1 << 20];
        long offset = 0;
        while (true)
        {
            int n = RandomAccess.Read(source, buffer, offset);
            if (n == 0) return offset;
            offset += n;
            if (offset > maxBytes)
                throw new IOException($"more than {maxBytes} bytes");
            Append(buffer.AsSpan(0, n));
        }
    }

    /// <summary>Adds every seal; from now on the content is fixed. Returns the seals the kernel reports (F_GET_SEALS).</summary>
    public int Seal()
    {
        int fd = (int)Handle.DangerousGetHandle();
        int all = F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
        if (fcntl(fd, F_ADD_SEALS, all) != 0)
            throw new IOException($"fcntl(F_ADD_SEALS): {Errno.Name(errno)}");
        IsSealed = true;
        return Seals();
    }

    /// <summary>fcntl(F_GET_SEALS): the seals in place.</summary>
    public int Seals()
    {
        int seals = fcntl((int)Handle.DangerousGetHandle(), F_GET_SEALS);
        if (seals < 0)
            throw new IOException($"fcntl(F_GET_SEALS): {Errno.Name(errno)}");
        return seals;
    }

    public void Dispose() => Handle.Dispose();
}
