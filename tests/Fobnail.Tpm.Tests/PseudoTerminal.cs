using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Fobnail.Tpm.Tests;

/// <summary>
/// A pseudo-terminal in raw mode without echo, standing in for a TPM character device: what the transport
/// writes to the slave (<see cref="SlavePath"/>) arrives at the master, and the slave only becomes readable
/// when the test writes a response to the master. So the test decides whether, when and what the "TPM" answers.
/// </summary>
public sealed partial class PseudoTerminal : IDisposable
{
    private const int O_RDWR = 0x0002, O_NOCTTY = 0x0100, O_CLOEXEC = 0x80000;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int posix_openpt(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int grantpt(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int unlockpt(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ptsname_r(int fd, [Out] byte[] buf, nuint buflen);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, [Out] byte[] buf, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, [In] byte[] buf, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    private readonly int _master;

    public PseudoTerminal()
    {
        _master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (_master < 0 || grantpt(_master) != 0 || unlockpt(_master) != 0)
            throw new IOException($"pseudo-terminal setup failed: errno {Marshal.GetLastPInvokeError()}");
        byte[] name = new byte[128];
        if (ptsname_r(_master, name, (nuint)name.Length) != 0)
            throw new IOException($"ptsname_r failed: errno {Marshal.GetLastPInvokeError()}");
        SlavePath = Encoding.ASCII.GetString(name, 0, Array.IndexOf(name, (byte)0));
        // Binary-transparent in both directions: no echo, no line editing, no CR/LF translation.
        TpmFixture.Run("stty", ["-F", SlavePath, "raw", "-echo"]);
    }

    public string SlavePath { get; }

    /// <summary>Reads one command the transport wrote (header first, then the rest by its commandSize).</summary>
    public byte[] ReadCommand()
    {
        byte[] header = ReadExactly(10);
        int size = (int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(2));
        return [.. header, .. ReadExactly(size - 10)];
    }

    private byte[] ReadExactly(int count)
    {
        byte[] result = new byte[count];
        int done = 0;
        byte[] chunk = new byte[count];
        while (done < count)
        {
            nint n = read(_master, chunk, (nuint)(count - done));
            if (n <= 0)
                throw new IOException($"pty master read returned {n}, errno {Marshal.GetLastPInvokeError()}");
            Array.Copy(chunk, 0, result, done, (int)n);
            done += (int)n;
        }
        return result;
    }

    /// <summary>Sends <paramref name="response"/> to the transport in one write.</summary>
    public void Answer(byte[] response)
    {
        if (write(_master, response, (nuint)response.Length) != response.Length)
            throw new IOException($"pty master write failed, errno {Marshal.GetLastPInvokeError()}");
    }

    public void Dispose() => close(_master);
}
