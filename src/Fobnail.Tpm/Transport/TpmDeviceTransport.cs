using System.Buffers.Binary;
using Fobnail.Linux;
using Tmds.Linux;

namespace Fobnail.Tpm;

/// <summary>
/// The kernel TPM character device: /dev/tpmrm0 (in-kernel resource manager, so transient objects and sessions
/// are flushed when we close it) or /dev/tpm0. One write() carries one command, one read() returns the whole
/// response; the driver's buffer is TPM_BUFSIZE = 4096 bytes.
/// <para>
/// The device is opened O_NONBLOCK: on a blocking descriptor the driver's write() itself runs the command and
/// only returns when the TPM answers (or the driver's own timeouts, minutes for key generation, expire), so no
/// deadline of ours could apply. Non-blocking, write() queues the command (Linux 4.20+, "tpm: add support for
/// nonblocking operation") and poll(2) reports POLLIN once the response is ready, which we bound with the
/// command's timeout and the transport's cancellation token.
/// </para>
/// </summary>
public sealed class TpmDeviceTransport : ITpmTransport
{
    public const string ResourceManagerPath = "/dev/tpmrm0";
    public const string RawDevicePath = "/dev/tpm0";

    private readonly object _lock = new();
    private readonly TpmTransportOptions _options;
    private readonly TpmResponseWait _wait;
    private readonly byte[] _buffer = new byte[TpmTransportLimits.MaxMessageSize];
    private int _fd;
    private string? _abandoned;

    private TpmDeviceTransport(int fd, string path, TpmTransportOptions options)
    {
        _fd = fd;
        _options = options;
        _wait = new TpmResponseWait(options.CancellationToken);
        Description = $"device:{path}";
    }

    public string Description { get; }

    /// <summary>Opens <paramref name="path"/>; for the default /dev/tpmrm0 falls back to /dev/tpm0 when it does not exist.</summary>
    public static TpmDeviceTransport Open(string path = ResourceManagerPath, TpmTransportOptions? options = null)
    {
        options ??= TpmTransportOptions.Default;
        int flags = LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC;
        int fd = Open(path, flags);
        if (fd < 0)
        {
            int errno = Errno.Last;
            if (errno != Errno.ENOENT || path != ResourceManagerPath)
                throw OpenError(path, errno);
            fd = Open(RawDevicePath, flags);
            if (fd < 0)
                throw OpenError($"{ResourceManagerPath} and {RawDevicePath}", Errno.Last);
            path = RawDevicePath;
        }
        try
        {
            return new TpmDeviceTransport(fd, path, options);
        }
        catch
        {
            LibC.close(fd);
            throw;
        }
    }

    private static unsafe int Open(string path, int flags)
    {
        fixed (byte* p = Sys.CString(path))
            return LibC.open(p, flags);
    }

    private static TpmTransportException OpenError(string path, int errno) =>
        new($"cannot open {path}: {Errno.Describe(errno)}");

    public unsafe byte[] Transmit(ReadOnlySpan<byte> command)
    {
        if (command.Length > TpmTransportLimits.MaxMessageSize)
            throw new TpmTransportException($"command of {command.Length} bytes exceeds the driver buffer of {TpmTransportLimits.MaxMessageSize}");
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_fd < 0, this);
            if (_abandoned is not null)
                throw new TpmTransportException($"{Description}: unusable since {_abandoned}; the TPM may still be executing it, open the device again");
            _wait.CancellationToken.ThrowIfCancellationRequested();

            var deadline = TpmCommandDeadline.Start(command, _options);
            long written;
            fixed (byte* p = command)
            {
                do
                    written = LibC.write(_fd, p, command.Length);
                while (written < 0 && Errno.Last == Errno.EINTR);
            }
            if (written != command.Length)
                throw Error("write", written);

            // From here the command is in the TPM: if we stop waiting, its response is still due.
            try
            {
                return ReadResponse(deadline);
            }
            catch (Exception e) when (e is TpmTimeoutException or OperationCanceledException)
            {
                _abandoned = e is TpmTimeoutException
                    ? $"{deadline.CommandName} timed out after {deadline.Timeout.TotalSeconds:0.###} s"
                    : $"the wait for {deadline.CommandName} was cancelled";
                throw;
            }
        }
    }

    private unsafe byte[] ReadResponse(in TpmCommandDeadline deadline)
    {
        while (true)
        {
            _wait.UntilReadable(_fd, deadline, Description);
            long read;
            fixed (byte* p = _buffer)
                read = LibC.read(_fd, p, _buffer.Length);
            if (read < 0 && Errno.Last is Errno.EINTR or Errno.EAGAIN)
                continue; // readiness without data (a spurious wake-up): wait again under the same deadline
            if (read <= 0)
                throw Error("read", read);
            ReadOnlySpan<byte> response = _buffer.AsSpan(0, (int)read);
            CheckClaimedSize(response);
            return response.ToArray();
        }
    }

    /// <summary>The header's responseSize must not exceed what any TPM may send; the runner checks it against the bytes read.</summary>
    private void CheckClaimedSize(ReadOnlySpan<byte> response)
    {
        if (response.Length < 6)
            return;
        uint claimed = BinaryPrimitives.ReadUInt32BigEndian(response[2..]);
        if (claimed > TpmTransportLimits.MaxMessageSize)
            throw new TpmTransportException($"{Description}: response header claims {claimed} bytes, which exceeds the TPM maximum of {TpmTransportLimits.MaxMessageSize}");
    }

    private TpmTransportException Error(string operation, long result)
    {
        if (result >= 0)
            return new TpmTransportException($"{Description}: short {operation} ({result} bytes)");
        return new TpmTransportException($"{Description}: {operation} failed: {Errno.Describe(Errno.Last)}");
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_fd < 0)
                return;
            int fd = _fd;
            _fd = -1;
            _wait.Dispose();
            if (_abandoned is null)
            {
                LibC.close(fd);
                return;
            }
            // The driver's release waits for the queued command to finish (flush_work), which for a TPM
            // that stopped answering lasts until the driver's own timeout: close on a background thread so
            // the caller (PID 1) goes on now.
            new Thread(() => LibC.close(fd)) { IsBackground = true, Name = "tpm-close" }.Start();
        }
    }
}
