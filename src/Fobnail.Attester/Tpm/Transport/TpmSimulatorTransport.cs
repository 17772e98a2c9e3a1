using System.Buffers.Binary;
using System.Net.Sockets;

namespace Fobnail.Attester.Tpm;

/// <summary>
/// The TCG TPM 2.0 simulator TCP protocol as spoken by `swtpm socket --server type=tcp` (and the Microsoft/IBM
/// simulators) on the server port: the client sends TPM_SEND_COMMAND (UINT32 8), locality (UINT8), the command
/// length (UINT32) and the command; the server answers the response length (UINT32), the response, and a
/// UINT32 acknowledgement that is 0. All integers are big-endian. We run swtpm with
/// `--flags not-need-init,startup-clear`, so no power-on/NV-on signals are needed on the control port.
/// </summary>
public sealed class TpmSimulatorTransport : ITpmTransport
{
    public const uint TpmSendCommand = 8;
    public const uint TpmSessionEnd = 20;
    /// <summary>Bound on the response length we accept from the socket (real TPMs answer at most 4096).</summary>
    public const int MaxResponseSize = 8192;

    private readonly object _lock = new();
    private readonly Socket _socket;
    private bool _disposed;

    private TpmSimulatorTransport(Socket socket, string host, int port)
    {
        _socket = socket;
        Description = $"swtpm:{host}:{port}";
    }

    public string Description { get; }

    public static TpmSimulatorTransport Connect(string host, int port, TimeSpan? timeout = null)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // RSA key generation in a software TPM can take seconds; a minute bounds a hung simulator.
            int ms = (int)(timeout ?? TimeSpan.FromSeconds(60)).TotalMilliseconds;
            socket.ReceiveTimeout = ms;
            socket.SendTimeout = ms;
            socket.NoDelay = true;
            socket.Connect(host, port);
            return new TpmSimulatorTransport(socket, host, port);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new TpmTransportException($"cannot connect to TPM simulator {host}:{port}: {e.Message}", e);
        }
    }

    public byte[] Transmit(ReadOnlySpan<byte> command)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                byte[] frame = new byte[9 + command.Length];
                BinaryPrimitives.WriteUInt32BigEndian(frame, TpmSendCommand);
                frame[4] = 0; // locality 0
                BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(5), (uint)command.Length);
                command.CopyTo(frame.AsSpan(9));
                _socket.Send(frame);

                Span<byte> word = stackalloc byte[4];
                ReceiveExactly(word);
                uint length = BinaryPrimitives.ReadUInt32BigEndian(word);
                if (length > MaxResponseSize)
                    throw new TpmTransportException($"{Description}: response length {length} exceeds {MaxResponseSize}");
                byte[] response = new byte[length];
                ReceiveExactly(response);
                ReceiveExactly(word);
                uint ack = BinaryPrimitives.ReadUInt32BigEndian(word);
                if (ack != 0)
                    throw new TpmTransportException($"{Description}: simulator acknowledged with {ack}, expected 0");
                return response;
            }
            catch (SocketException e)
            {
                throw new TpmTransportException($"{Description}: {e.Message}", e);
            }
        }
    }

    private void ReceiveExactly(Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
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
        }
    }
}
