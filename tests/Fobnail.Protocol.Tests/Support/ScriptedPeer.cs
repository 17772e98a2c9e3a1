using System.Net;
using System.Net.Sockets;
using Fobnail.Coap;

namespace Fobnail.Protocol.Tests.Support;

/// <summary>
/// A UDP peer on loopback whose answers are written by the test, for behaviours no real peer shows on demand
/// (RST, duplicated ACKs, a token-mismatching ACK, silence, garbage). Records every message it receives.
/// </summary>
internal sealed class ScriptedPeer : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly Func<CoapMessage, IEnumerable<byte[]>> _script;
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _loop;

    public ScriptedPeer(Func<CoapMessage, IEnumerable<CoapMessage>> script)
        : this(m => script(m).Select(answer => answer.Encode()), raw: false)
    {
    }

    /// <summary>A peer whose answers are raw datagrams (possibly malformed).</summary>
    public static ScriptedPeer Raw(Func<CoapMessage, IEnumerable<byte[]>> script) => new(script, raw: true);

    // `raw` only tells this constructor apart from the public one for lambdas such as `_ => []`.
    private ScriptedPeer(Func<CoapMessage, IEnumerable<byte[]>> script, bool raw)
    {
        _script = script;
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _loop = Task.Run(RunAsync);
    }

    public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public List<CoapMessage> Received { get; } = [];

    private async Task RunAsync()
    {
        var buffer = new byte[2048];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_cts.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try { r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _cts.Token); }
            catch (OperationCanceledException) { return; }
            CoapMessage m;
            try { m = CoapMessage.Decode(buffer.AsSpan(0, r.ReceivedBytes)); }
            catch (CoapFormatException) { continue; }
            lock (Received) Received.Add(m);
            foreach (var datagram in _script(m))
                _socket.SendTo(datagram, r.RemoteEndPoint);
        }
    }

    public void Dispose()
    {
        _cts.Cancel();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _socket.Dispose();
    }
}
