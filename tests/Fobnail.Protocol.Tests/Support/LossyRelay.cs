using System.Net;
using System.Net.Sockets;

namespace Fobnail.Protocol.Tests.Support;

/// <summary>
/// A UDP relay on loopback between one client and one server that drops datagrams: every Nth in each direction
/// (separate counters, so both requests and responses get lost) or a seeded random fraction. The client talks to <see cref="EndPoint"/>.
/// </summary>
internal sealed class LossyRelay : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly IPEndPoint _server;
    private readonly Func<bool, bool> _drop;
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _loop;
    private IPEndPoint? _client;

    private LossyRelay(IPEndPoint server, Func<bool, bool> drop)
    {
        _server = server;
        _drop = drop;
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _loop = Task.Run(RunAsync);
    }

    public static LossyRelay EveryNth(IPEndPoint server, int n)
    {
        int toServer = 0, toClient = 0;
        return new LossyRelay(server, towardsServer => (towardsServer ? ++toServer : ++toClient) % n == 0);
    }

    public static LossyRelay RandomFraction(IPEndPoint server, double fraction, int seed)
    {
        var rng = new Random(seed);
        return new LossyRelay(server, _ => rng.NextDouble() < fraction);
    }

    public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public int Forwarded { get; private set; }

    public int Dropped { get; private set; }

    private async Task RunAsync()
    {
        var buffer = new byte[65536];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_cts.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try { r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _cts.Token); }
            catch (OperationCanceledException) { return; }
            var from = (IPEndPoint)r.RemoteEndPoint;
            IPEndPoint? to;
            if (from.Equals(_server)) to = _client;
            else
            {
                _client = from;
                to = _server;
            }
            if (to is null) continue;
            if (_drop(to == _server))
            {
                Dropped++;
                continue;
            }
            Forwarded++;
            _socket.SendTo(buffer.AsSpan(0, r.ReceivedBytes), to);
        }
    }

    public void Dispose()
    {
        _cts.Cancel();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _socket.Dispose();
    }
}
