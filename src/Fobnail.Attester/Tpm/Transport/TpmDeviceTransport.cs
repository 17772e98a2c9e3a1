using System.Runtime.InteropServices;
using Fobnail.Attester.Tpm.Interop;

namespace Fobnail.Attester.Tpm;

/// <summary>
/// The kernel TPM character device: /dev/tpmrm0 (in-kernel resource manager, so transient objects and sessions
/// are flushed when we close it) or /dev/tpm0. One write() carries one command, one read() returns the whole
/// response; the driver's buffer is TPM_BUFSIZE = 4096 bytes.
/// </summary>
public sealed class TpmDeviceTransport : ITpmTransport
{
    public const string ResourceManagerPath = "/dev/tpmrm0";
    public const string RawDevicePath = "/dev/tpm0";
    private const int TpmBufferSize = 4096;

    private readonly object _lock = new();
    private int _fd;

    private TpmDeviceTransport(int fd, string path)
    {
        _fd = fd;
        Description = $"device:{path}";
    }

    public string Description { get; }

    /// <summary>Opens <paramref name="path"/>; for the default /dev/tpmrm0 falls back to /dev/tpm0 when it does not exist.</summary>
    public static TpmDeviceTransport Open(string path = ResourceManagerPath)
    {
        int fd = Libc.open(path, Libc.O_RDWR | Libc.O_CLOEXEC);
        if (fd >= 0)
            return new TpmDeviceTransport(fd, path);
        int errno = Marshal.GetLastPInvokeError();
        const int ENOENT = 2;
        if (errno == ENOENT && path == ResourceManagerPath)
        {
            fd = Libc.open(RawDevicePath, Libc.O_RDWR | Libc.O_CLOEXEC);
            if (fd >= 0)
                return new TpmDeviceTransport(fd, RawDevicePath);
            errno = Marshal.GetLastPInvokeError();
            path = $"{ResourceManagerPath} and {RawDevicePath}";
        }
        throw new TpmTransportException($"cannot open {path}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
    }

    public unsafe byte[] Transmit(ReadOnlySpan<byte> command)
    {
        if (command.Length > TpmBufferSize)
            throw new TpmTransportException($"command of {command.Length} bytes exceeds the driver buffer of {TpmBufferSize}");
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_fd < 0, this);
            nint written;
            fixed (byte* p = command)
            {
                do
                    written = Libc.write(_fd, p, (nuint)command.Length);
                while (written < 0 && Marshal.GetLastPInvokeError() == Libc.EINTR);
            }
            if (written != command.Length)
                throw Error("write", written);

            byte[] response = new byte[TpmBufferSize];
            nint read;
            fixed (byte* p = response)
            {
                do
                    read = Libc.read(_fd, p, (nuint)response.Length);
                while (read < 0 && Marshal.GetLastPInvokeError() == Libc.EINTR);
            }
            if (read <= 0)
                throw Error("read", read);
            return response.AsSpan(0, (int)read).ToArray();
        }
    }

    private TpmTransportException Error(string operation, nint result)
    {
        if (result >= 0)
            return new TpmTransportException($"{Description}: short {operation} ({result} bytes)");
        int errno = Marshal.GetLastPInvokeError();
        return new TpmTransportException($"{Description}: {operation} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_fd >= 0)
            {
                Libc.close(_fd);
                _fd = -1;
            }
        }
    }
}
