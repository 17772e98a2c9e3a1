using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Fobnail.Token.Usb.Host;

/// <summary>
/// A Linux tap device (TUNSETIFF on /dev/net/tun with IFF_TAP | IFF_NO_PI): every read is one Ethernet frame from
/// the namespace's stack, every write one frame into it. Attaching to an existing persistent tap (made with
/// <c>ip tuntap add</c>) keeps its addresses.
/// </summary>
public sealed partial class TapDevice : IDisposable
{
    private const int O_RDWR = 2, O_CLOEXEC = 0x80000;
    private const uint TUNSETIFF = 0x400454ca;
    private const short IFF_TAP = 0x0002, IFF_NO_PI = 0x1000;
    private const int IfNameSize = 16, IfReqSize = 40;

    private readonly FileStream _stream;
    public string Name { get; }

    private TapDevice(string name, FileStream stream)
    {
        Name = name;
        _stream = stream;
    }

    public static TapDevice Open(string name)
    {
        if (name.Length is 0 or >= IfNameSize) throw new ArgumentException($"tap name \"{name}\" must have 1-15 characters", nameof(name));
        int fd = Open("/dev/net/tun", O_RDWR | O_CLOEXEC);
        if (fd < 0) throw new IOException($"open /dev/net/tun: errno {Marshal.GetLastPInvokeError()}");
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        Span<byte> ifr = stackalloc byte[IfReqSize];
        ifr.Clear();
        Encoding.ASCII.GetBytes(name, ifr);
        BitConverter.TryWriteBytes(ifr[IfNameSize..], (short)(IFF_TAP | IFF_NO_PI));
        unsafe
        {
            fixed (byte* p = ifr)
            {
                if (Ioctl(fd, TUNSETIFF, p) < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    handle.Dispose();
                    throw new IOException($"TUNSETIFF {name}: errno {errno}");
                }
            }
        }
        return new TapDevice(name, new FileStream(handle, FileAccess.ReadWrite, bufferSize: 0));
    }

    /// <summary>Reads one frame (blocks until one arrives).</summary>
    public int Read(Span<byte> buffer) => _stream.Read(buffer);

    public void Write(ReadOnlySpan<byte> frame) => _stream.Write(frame);

    public void Dispose() => _stream.Dispose();

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int Ioctl(int fd, nuint request, byte* arg);
}
