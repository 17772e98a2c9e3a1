using System.Text;
using Tmds.Linux;

namespace Fobnail.Linux;

/// <summary>
/// One digest computed by the kernel's crypto API through an AF_ALG "hash" socket (linux/if_alg.h,
/// Documentation/crypto/userspace-if.rst): socket(AF_ALG, SOCK_SEQPACKET) bound to {"hash", name}, accept()
/// gives the operation socket; every send with MSG_MORE adds data (the kernel maps the pages of our buffer, no
/// copy), and the read that follows finishes the digest. The kernel picks its fastest implementation of the
/// algorithm (SHA-NI/AVX2 drivers such as sha256_ssse3 when loaded).
/// Needs CONFIG_CRYPTO_USER_API_HASH (algif_hash): without it socket() fails with EAFNOSUPPORT, and bind() with
/// ENOENT for an algorithm the kernel lacks; <see cref="TryOpen"/> reports both so callers fall back.
/// </summary>
public sealed unsafe class KernelHash : IDisposable
{
    private int _operationFd;

    private KernelHash(int operationFd, string name, int digestSize)
    {
        _operationFd = operationFd;
        Name = name;
        DigestSize = digestSize;
    }

    /// <summary>The crypto API name ("sha256").</summary>
    public string Name { get; }

    public int DigestSize { get; }

    /// <summary>
    /// Opens a digest of crypto API algorithm <paramref name="name"/>; null with <paramref name="errno"/> when the
    /// kernel cannot (EAFNOSUPPORT: no AF_ALG, algif_hash not loaded; ENOENT: no such algorithm).
    /// </summary>
    public static KernelHash? TryOpen(string name, int digestSize, out int errno)
    {
        var addr = new sockaddr_alg { salg_family = Sys.AF_ALG };
        byte[] type = "hash"u8.ToArray();
        byte[] algorithm = Encoding.ASCII.GetBytes(name);
        if (algorithm.Length >= 64)
            throw new ArgumentException($"crypto API name '{name}' is too long", nameof(name));
        for (int i = 0; i < type.Length; i++) addr.salg_type[i] = type[i];
        for (int i = 0; i < algorithm.Length; i++) addr.salg_name[i] = algorithm[i];

        int tfm = LibC.socket(Sys.AF_ALG, LibC.SOCK_SEQPACKET | LibC.SOCK_CLOEXEC, 0);
        if (tfm < 0)
        {
            errno = Errno.Last;
            return null;
        }
        try
        {
            if (LibC.bind(tfm, (sockaddr*)&addr, sizeof(sockaddr_alg)) != 0)
            {
                errno = Errno.Last;
                return null;
            }
            int op = LibC.accept4(tfm, null, null, LibC.SOCK_CLOEXEC);
            if (op < 0)
            {
                errno = Errno.Last;
                return null;
            }
            errno = 0;
            return new KernelHash(op, name, digestSize);
        }
        finally
        {
            // The operation socket keeps the algorithm; the bound socket is only needed to accept it.
            LibC.close(tfm);
        }
    }

    /// <summary>Adds <paramref name="data"/> to the digest.</summary>
    public void Update(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_operationFd < 0, this);
        fixed (byte* p = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                long n = LibC.send(_operationFd, p + done, data.Length - done, LibC.MSG_MORE);
                if (n < 0)
                {
                    if (Errno.Last == Errno.EINTR) continue;
                    throw SyscallException.FromLast($"send(AF_ALG {Name})");
                }
                done += (int)n;
            }
        }
    }

    /// <summary>Finishes the digest (the socket is then ready for the next one, as after a fresh accept).</summary>
    public byte[] Final()
    {
        ObjectDisposedException.ThrowIf(_operationFd < 0, this);
        byte[] digest = new byte[DigestSize];
        long n;
        fixed (byte* p = digest)
        {
            do n = LibC.read(_operationFd, p, digest.Length);
            while (n < 0 && Errno.Last == Errno.EINTR);
        }
        if (n < 0) throw SyscallException.FromLast($"read(AF_ALG {Name})");
        if (n != digest.Length) throw new IOException($"AF_ALG {Name} returned {n} bytes of digest, expected {digest.Length}");
        return digest;
    }

    public void Dispose()
    {
        if (_operationFd < 0) return;
        LibC.close(_operationFd);
        _operationFd = -1;
    }
}
