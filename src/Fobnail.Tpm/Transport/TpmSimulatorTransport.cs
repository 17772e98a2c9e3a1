using System.Buffers.Binary;
using System.Net.Sockets;

namespace Fobnail.Tpm;

/// <summary>
/// The TCG TPM 2.0 simulator TCP protocol as spoken by `swtpm socket --server type=tcp` (and the Microsoft/IBM
/// simulators) on the server port: the client sends TPM_SEND_COMMAND (UINT32 8), locality (UINT8), the command
/// length (UINT32) and the command; the server answers the response length (UINT32), the response, and a
/// UINT32 acknowledgement that is 0. All integers are big-endian. We run swtpm with
/// `--flags not-need-init,startup-clear`, so no power-on/NV-on signals are needed on the control port.
/// Every receive first waits in poll(2) under the command's deadline and the transport's cancellation token
/// (<see cref="TpmResponseWait"/>), exactly like the device transport, so a simulator that stops answering
/// cannot hang the caller.
/// </summary>
public sealed class TpmSimulatorTransport : ITpmTransport
{
    public const uint TpmSendCommand = 8;
    public const uint TpmSessionEnd = 20;

    private readonly object _lock = new();
    private readonly Socket _socket;
    private readonly TpmTransportOptions _options;
    private readonly TpmResponseWait _wait;
    private string? _abandoned;
    private bool _disposed;

    private TpmSimulatorTransport(Socket socket, string host, int port, TpmTransportOptions options)
    {
        _socket = socket;
        _options = options;
        _wait = new TpmResponseWait(options.CancellationToken);
        Description = $"swtpm:{host}:{port}";
    }

    public string Description { get; }

    public static TpmSimulatorTransport Connect(string host, int port, TpmTransportOptions? options = null)
    {
        options ??= TpmTransportOptions.Default;
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // A command frame is at most 4 KiB, so a send only blocks on a peer that stopped reading.
            socket.SendTimeout = (int)options.CommandTimeout.TotalMilliseconds;
            socket.NoDelay = true;
            socket.Connect(host, port);
            return new TpmSimulatorTransport(socket, host, port, options);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new TpmTransportException($"cannot connect to TPM simulator {host}:{port}: {e.Message}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public byte[] Transmit(ReadOnlySpan<byte> command)
    {
        if (command.Length > TpmTransportLimits.MaxMessageSize)
            throw new TpmTransportException($"command of {command.Length} bytes exceeds the TPM maximum of {TpmTransportLimits.MaxMessageSize}");
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_abandoned is not null)
                throw new TpmTransportException($"{Description}: unusable since {_abandoned}; connect again");
            _wait.CancellationToken.ThrowIfCancellationRequested();
            var deadline = TpmCommandDeadline.Start(command, _options);
            try
            {
                Send(command);
                return Receive(deadline);
            }
            catch (Exception e) when (e is TpmException or SocketException or OperationCanceledException)
            {
                // After a failure the stream may hold part of this response (or all of a late one): it can no
                // longer be framed, so later commands are refused rather than matched with the wrong response.
                _abandoned = e switch
                {
                    TpmTimeoutException => $"{deadline.CommandName} timed out after {deadline.Timeout.TotalSeconds:0.###} s",
                    OperationCanceledException => $"the wait for {deadline.CommandName} was cancelled",
                    _ => $"{deadline.CommandName} failed ({e.Message})",
                };
                if (e is SocketException socketError)
                    throw new TpmTransportException($"{Description}: {socketError.Message}", socketError);
                throw;
            }
        }
    }

    private void Send(ReadOnlySpan<byte> command)
    {
        byte[] frame = new byte[9 + command.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, TpmSendCommand);
        frame[4] = 0; // locality 0
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(5), (uint)command.Length);
        command.CopyTo(frame.AsSpan(9));
        _socket.Send(frame);
    }

    private byte[] Receive(in TpmCommandDeadline deadline)
    {
        Span<byte> word = stackalloc byte[4];
        ReceiveExactly(word, deadline);
        uint length = BinaryPrimitives.ReadUInt32BigEndian(word);
        // Checked before allocating: the length word is the peer's claim.
        if (length > TpmTransportLimits.MaxMessageSize)
            throw new TpmTransportException($"{Description}: response length {length} exceeds the TPM maximum of {TpmTransportLimits.MaxMessageSize}");
        byte[] response = new byte[length];
        ReceiveExactly(response, deadline);
        ReceiveExactly(word, deadline);
        uint ack = BinaryPrimitives.ReadUInt32BigEndian(word);
        if (ack != 0)
            throw new TpmTransportException($"{Description}: simulator acknowledged with {ack}, expected 0");
        return response;
    }

    private void ReceiveExactly(Span<byte> buffer, in TpmCommandDeadline deadline)
    {
        while (!buffer.IsEmpty)
        {
            _wait.UntilReadable((int)_socket.Handle, deadline, Description);
            int n = _socket.Receive(buffer);
            if (n == 0)
                throw new TpmTransportException($"{Description}: connection closed by the simulator");
            buffer = buffer[n..];
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
                return;
            _disposed = true;
            try
            {
                // TPM_SESSION_END lets the simulator close its side cleanly; failures here do not matter.
                Span<byte> end = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(end, TpmSessionEnd);
                _socket.Send(end);
            }
            catch (SocketException)
            {
            }
            _socket.Dispose();
            _wait.Dispose();
        }
    }
}
