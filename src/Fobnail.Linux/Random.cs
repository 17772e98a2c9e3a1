using System.Runtime.InteropServices;

namespace Fobnail.Linux;

/// <summary>
/// getrandom(2): the kernel's CSPRNG, for CoAP message IDs and tokens (RFC 7252 §5.3.1 wants tokens that an
/// off-path attacker cannot guess). Deliberately not System.Security.Cryptography.RandomNumberGenerator nor
/// BouncyCastle's SecureRandom: both load OpenSSL at run time, and the initramfs has none. Blocks only until
/// the kernel's pool is initialized once after boot (flags 0), which never fails later.
/// </summary>
public static partial class KernelRandom
{
    /// <summary>Fills <paramref name="buffer"/> from the kernel CSPRNG; retries on EINTR and short reads.</summary>
    public static void Fill(Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            nint n;
            unsafe
            {
                fixed (byte* p = buffer)
                    n = getrandom(p, (nuint)buffer.Length, 0);
            }
            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR) continue;
                throw new IOException($"getrandom: {Errno.Name(errno)}");
            }
            buffer = buffer[(int)n..];
        }
    }

    public static byte[] Bytes(int count)
    {
        var bytes = new byte[count];
        Fill(bytes);
        return bytes;
    }

    public static ushort UInt16()
    {
        Span<byte> b = stackalloc byte[2];
        Fill(b);
        return (ushort)(b[0] | b[1] << 8);
    }

    public static int Int32()
    {
        Span<byte> b = stackalloc byte[4];
        Fill(b);
        return BitConverter.ToInt32(b);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint getrandom(byte* buffer, nuint length, uint flags);
}
