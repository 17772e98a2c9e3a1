using System.Net;
using System.Net.Sockets;

namespace Fobnail.Testing.Network;

/// <summary>What <see cref="UdpRelay"/> does with one datagram.</summary>
public enum RelayAction
{
    Forward,
    Drop,
    /// <summary>Keep it back (a delayed datagram) until a later datagram gets <see cref="ReleaseHeldThenForward"/>.</summary>
    Hold,
    /// <summary>Deliver every held datagram first, then this one: the held ones arrive late, out of order.</summary>
    ReleaseHeldThenForward,
}

/// <summary>
/// A UDP relay on loopback between one client and one server that loses, delays or reorders datagrams as a rule
/// says, so tests can break exactly the message they are about (a lost ACK, a late response, a lost block).
/// The client talks to <see cref="EndPoint"/>; the latest sender that is not the server is the client. It can also
/// go silent (a token unplugged or hung mid-flow): from then on everything is dropped in both directions.
/// </summary>
public sealed class UdpRelay : IDisposable
{
    /// <summary>Decides the fate of one datagram going to the server (<paramref name="towardsServer"/>) or back.</summary>
    public delegate RelayAction Rule(bool towardsServer, byte[] datagram);

    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly IPEndPoint _server;
    private readonly Rule _rule;
    private readonly CancellationTokenSource _cts = new();
    private readonly List<(byte[] Datagram, IPEndPoint To)> _held = [];
    private readonly List<(bool FromClient, byte[] Datagram)> _log = [];
    private readonly HashSet<IPEndPoint> _clients = [];
    private readonly Task _loop;
    private IPEndPoint? _client;
    private volatile bool _silent;

    public UdpRelay(IPEndPoint server, Rule rule)
    {
        _server = server;
        _rule = rule;
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Drops every Nth datagram in each direction (separate counters: requests and responses get lost).</summary>
    public static UdpRelay EveryNth(IPEndPoint server, int n)
    {
        int toServer = 0, toClient = 0;
        return new UdpRelay(server, (towardsServer, _) => (towardsServer ? ++toServer : ++toClient) % n == 0 ? RelayAction.Drop : RelayAction.Forward);
    }

    /// <summary>Forwards the first <paramref name="clientDatagrams"/> datagrams of the client, then goes silent.</summary>
    public static UdpRelay SilentAfter(IPEndPoint server, int clientDatagrams)
    {
        int seen = 0;
        UdpRelay? relay = null;
        relay = new UdpRelay(server, (towardsServer, _) =>
        {
            if (towardsServer && ++seen > clientDatagrams) relay!.Silence();
            return RelayAction.Forward;
        });
        return relay;
    }

    /// <summary>Forwards everything (for tests that only look at <see cref="Datagrams"/>).</summary>
    public static UdpRelay Transparent(IPEndPoint server) => new(server, (_, _) => RelayAction.Forward);

    /// <summary>Drops a seeded random fraction of the datagrams.</summary>
    public static UdpRelay RandomFraction(IPEndPoint server, double fraction, int seed)
    {
        var rng = new Random(seed);
        return new UdpRelay(server, (_, _) => rng.NextDouble() < fraction ? RelayAction.Drop : RelayAction.Forward);
    }

    public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public int Forwarded { get; private set; }

    public int Dropped { get; private set; }

    /// <summary>Drops everything from now on.</summary>
    public void Silence() => _silent = true;

    public bool Silent => _silent;

    /// <summary>Every datagram seen, in arrival order (client → server when FromClient).</summary>
    public IReadOnlyList<(bool FromClient, byte[] Datagram)> Datagrams
    {
        get { lock (_log) return _log.ToArray(); }
    }

    /// <summary>Every client source endpoint seen.</summary>
    public IReadOnlyCollection<IPEndPoint> ClientEndPoints
    {
        get { lock (_log) return _clients.ToArray(); }
    }

    private async Task RunAsync()
    {
        var buffer = new byte[65536];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_cts.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try { r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _cts.Token); }
            catch (OperationCanceledException) { return; }
            catch (SocketException) { continue; }  // ICMP error of an earlier send
            var from = (IPEndPoint)r.RemoteEndPoint;
            IPEndPoint? to;
            if (from.Equals(_server)) to = _client;
            else
            {
                _client = from;
                to = _server;
            }
            byte[] datagram = buffer.AsSpan(0, r.ReceivedBytes).ToArray();
            lock (_log)
            {
                _log.Add((to == _server, datagram));
                if (to == _server) _clients.Add(from);
            }
            if (to is null) continue;
            RelayAction action = _silent ? RelayAction.Drop : _rule(to == _server, datagram);
            if (_silent) action = RelayAction.Drop;  // the rule may have silenced the relay at this datagram
            switch (action)
            {
                case RelayAction.Drop:
                    Dropped++;
                    continue;
                case RelayAction.Hold:
                    _held.Add((datagram, to));
                    continue;
                case RelayAction.ReleaseHeldThenForward:
                    foreach (var (held, heldTo) in _held) Send(held, heldTo);
                    _held.Clear();
                    break;
            }
            Send(datagram, to);
        }
    }

    private void Send(byte[] datagram, IPEndPoint to)
    {
        Forwarded++;
        try { _socket.SendTo(datagram, to); }
        catch (SocketException) { }  // the peer went away: like a lost datagram
    }

    public void Dispose()
    {
        _cts.Cancel();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _socket.Dispose();
        _cts.Dispose();
    }
}
