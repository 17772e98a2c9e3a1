using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Fobnail.Tpm;

namespace Fobnail.Tpm.Tests;

/// <summary>The TCG simulator framing against a loopback server that answers with broken frames.</summary>
public class SimulatorFramingTests
{
    /// <summary>Accepts one connection, reads one TPM_SEND_COMMAND frame, then sends <paramref name="reply"/> and closes.</summary>
    private static (int Port, Task<byte[]> Command) Serve(byte[] reply)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        Task<byte[]> command = Task.Run(() =>
        {
            using Socket s = listener.AcceptSocket();
            listener.Stop();
            byte[] header = new byte[9];
            ReceiveExactly(s, header);
            byte[] body = new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(5))];
            ReceiveExactly(s, body);
            s.Send(reply);
            s.Shutdown(SocketShutdown.Both);
            return (byte[])[.. header, .. body];
        });
        return (port, command);
    }

    internal static void ReceiveExactly(Socket s, Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int n = s.Receive(buffer);
            if (n == 0)
                throw new IOException("closed");
            buffer = buffer[n..];
        }
    }

    private static byte[] U32(params uint[] values) => values.SelectMany(v => new[] { (byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v }).ToArray();

    [Fact]
    public void Frames_commands_as_TPM_SEND_COMMAND_and_returns_the_response()
    {
        byte[] response = [0x80, 0x01, 0, 0, 0, 10, 0, 0, 0, 0];
        var (port, command) = Serve([.. U32(10), .. response, .. U32(0)]);
        using var t = TpmSimulatorTransport.Connect("127.0.0.1", port);
        Assert.Equal(response, t.Transmit([1, 2, 3]));
        Assert.Equal("00000008" + "00" + "00000003" + "010203", Convert.ToHexString(command.Result));
    }

    [Theory]
    [InlineData(0xFFFFFFFFu, "exceeds")]
    [InlineData(20u, "closed")]
    public void Bad_lengths_and_early_close_are_transport_errors(uint length, string message)
    {
        var (port, _) = Serve([.. U32(length), 0x80, 0x01]);
        using var t = TpmSimulatorTransport.Connect("127.0.0.1", port);
        var e = Assert.Throws<TpmTransportException>(() => t.Transmit([1]));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_nonzero_acknowledgement_is_a_transport_error()
    {
        var (port, _) = Serve([.. U32(2), 0x80, 0x01, .. U32(5)]);
        using var t = TpmSimulatorTransport.Connect("127.0.0.1", port);
        Assert.Contains("acknowledged with 5", Assert.Throws<TpmTransportException>(() => t.Transmit([1])).Message);
    }
}
