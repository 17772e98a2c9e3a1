using System.Net;
using System.Net.Sockets;

namespace Fobnail.Attester.Tests.Flows;

/// <summary>
/// A loopback UDP relay between one client and the token that can go silent: after <see cref="SilenceAfter"/>
/// client datagrams it drops everything in both directions (a token unplugged or hung mid-flow).
/// </summary>
internal sealed class UdpRelay : IDisposable
{
    private readonly UdpClient _front = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly UdpClient _back = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly IPEndPoint _token;
    private readonly CancellationTokenSource _cts = new();
    private IPEndPoint? _client;
    private int _clientDatagrams;
    private readonly List<(bool FromClient, byte[] Datagram)> _log = [];
    private readonly HashSet<IPEndPoint> _clients = [];

    /// <summary>Every client source endpoint seen.</summary>
    public IReadOnlyCollection<IPEndPoint> ClientEndPoints
    {
        get { lock (_log) return _clients.ToArray(); }
    }

    public UdpRelay(IPEndPoint token, int silenceAfter = int.MaxValue)
    {
        _token = token;
        SilenceAfter = silenceAfter;
        _ = Task.Run(() => ForwardAsync(_front, toToken: true));
        _ = Task.Run(() => ForwardAsync(_back, toToken: false));
    }

    public int SilenceAfter { get; private set; }

    public bool Silent => Volatile.Read(ref _clientDatagrams) > SilenceAfter;

    /// <summary>Every datagram seen, in arrival order (client → token when FromClient).</summary>
    public IReadOnlyList<(bool FromClient, byte[] Datagram)> Datagrams
    {
        get { lock (_log) return _log.ToArray(); }
    }

    /// <summary>Drops everything from now on.</summary>
    public void Silence() => SilenceAfter = -1;

    public IPEndPoint EndPoint => (IPEndPoint)_front.Client.LocalEndPoint!;

    private async Task ForwardAsync(UdpClient from, bool toToken)
    {
        try
        {
            while (!_cts.IsCancellationRequested)
            {
                UdpReceiveResult r = await from.ReceiveAsync(_cts.Token);
                lock (_log) _log.Add((toToken, r.Buffer));
                if (toToken)
                {
                    _client = r.RemoteEndPoint;
                    lock (_log) _clients.Add(r.RemoteEndPoint);
                    if (Interlocked.Increment(ref _clientDatagrams) > SilenceAfter) continue;
                    await _back.SendAsync(r.Buffer, _token, _cts.Token);
                }
                else if (!Silent && _client is not null)
                {
                    await _front.SendAsync(r.Buffer, _client, _cts.Token);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    public void Dispose()
    {
        _cts.Cancel();
        _front.Dispose();
        _back.Dispose();
        _cts.Dispose();
    }
}
