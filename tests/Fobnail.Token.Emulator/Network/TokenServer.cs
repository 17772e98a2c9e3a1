using System.Net;
using System.Net.Sockets;
using Fobnail.Coap;
using Fobnail.Token.Emulator.Clients;
using Fobnail.Token.Emulator.Core;
using Serilog;

namespace Fobnail.Token.Emulator.Network;

/// <summary>
/// Puts a <see cref="TokenCore"/> on UDP with Fobnail.Coap's <see cref="CoapServer"/> configured like the
/// firmware's stack (1500-byte messages, 1024-byte blocks, Block2 follow-ups with the first request's token,
/// no Block1 echo, no de-duplication, ping → RST), and runs the 1 s client purge tick.
/// </summary>
public sealed class TokenServer : IAsyncDisposable
{
    private readonly TokenCore _core;
    private readonly CoapServer _server;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _cts = new();
    private readonly HashSet<IPEndPoint> _warnedUnreachable = [];
    private Task? _ticker;

    public TokenServer(TokenCore core, IPEndPoint listen, ILogger log)
    {
        _core = core;
        _log = log;
        _server = new CoapServer(listen, new CoapServerOptions
        {
            MaxMessageSize = 1500,
            PreferredSzx = 6,
            // The firmware's largest bodies (EK chain, RIM, files) are a few KB; coap-lite's jump allowance is 16 KiB.
            MaxBodySize = 16 * 1024,
            BlockStateExpiry = TimeSpan.FromSeconds(120),
            Block2ReuseFirstToken = true,
            EchoBlock1InFinalResponse = false,
            Block2ByMessageSize = true,
            Block2PastEndIsBadRequest = true,
            ContinueEchoesBlock = true,
            IgnoreConfirmableResponses = true,
            MaxResponseDatagram = MaxDatagram,
        }, log);
        _server.Map("", HandleAsync);
        _server.PingReceived += OnPing;
        _server.ResponseDropped += OnOversizeResponse;
    }

    /// <summary>
    /// The largest CoAP datagram the token can send: a 1514-byte Ethernet frame (pal_nrf/src/net.rs:58,
    /// "1500 IP + 14 ethernet header") minus 14, 20 (IPv4) and 8 (UDP).
    /// </summary>
    public const int MaxDatagram = 1514 - 14 - 20 - 8;

    public IPEndPoint LocalEndPoint => _server.LocalEndPoint;

    public void Start()
    {
        _server.Start();
        _ticker = Task.Run(() => PurgeLoopAsync(_cts.Token));
        _log.Information("Fobnail Token emulator listening on {Endpoint} (CoAP over UDP)", LocalEndPoint);
    }

    private async Task PurgeLoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(ClientTable.PurgeInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
                lock (_gate) _core.PurgeIdleClients();
        }
        catch (OperationCanceledException)
        {
            // shutting down
        }
    }

    private void OnPing(IPEndPoint remote)
    {
        CheckReachable(remote);
        lock (_gate) _core.Ping(remote);
    }

    /// <summary>
    /// A single-datagram answer that does not fit the token's frame (a payload just below coap-lite's Block2
    /// threshold, the 1463–1478-byte window with a 4-byte token): the firmware overruns its packet buffer,
    /// panics and resets. Imitated: no answer, and every client's state is gone.
    /// </summary>
    private void OnOversizeResponse(int length, IPEndPoint remote)
    {
        _log.Warning("firmware crash imitated: a {Length}-byte answer to {Remote} exceeds the token's {Max}-byte datagram; " +
            "the real token panics and resets here, so nothing is sent and all client state is lost", length, remote, MaxDatagram);
        Interlocked.Increment(ref _imitatedResets);
        lock (_gate) _core.Reset();
    }

    private int _imitatedResets;

    /// <summary>A token reset (power cycle): every client's state is gone, flash stays. For tests.</summary>
    public void ResetClients()
    {
        lock (_gate) _core.Reset();
    }

    /// <summary>How many times the firmware's crash-and-reset was imitated (<see cref="OnOversizeResponse"/>).</summary>
    public int ImitatedResets => Volatile.Read(ref _imitatedResets);

    private ValueTask<CoapServerResponse> HandleAsync(CoapRequestContext ctx)
    {
        CheckReachable(ctx.RemoteEndPoint);
        byte[]? rawFormat = ctx.Options.Where(o => o.Number == FirmwareContentFormat.OptionNumber).Select(o => o.Value).FirstOrDefault();
        var request = new TokenRequest((TokenMethod)ctx.Method.Value, ctx.Path,
            FirmwareContentFormat.Decode(rawFormat), ctx.AcceptValues, ctx.Payload);
        TokenResponse r;
        lock (_gate) r = _core.Handle(ctx.RemoteEndPoint, request);
        var response = new CoapServerResponse(new CoapCode(r.Code), r.Payload);
        if (r.ContentFormat is ushort format) response.WithContentFormat(format);
        if (r.MaxAgeZero) response.WithMaxAge(0);
        if (r.LocationPath != null) response.WithLocationPath(r.LocationPath);
        return ValueTask.FromResult(response);
    }

    /// <summary>
    /// The token's stack has no route outside 169.254.0.0/16: its send fails and the firmware panics
    /// (spec §2.2, §10 #14). The emulator answers anyway and says loudly what the real token would do.
    /// </summary>
    private void CheckReachable(IPEndPoint remote)
    {
        if (!WouldFirmwareFailToSend(LocalEndPoint.Address, remote.Address)) return;
        lock (_gate)
            if (!_warnedUnreachable.Add(remote)) return;
        _log.Warning("FIRMWARE DIFFERENCE: client {Remote} is outside 169.254.0.0/16; the real token could not send " +
            "to it and would panic. The emulator answers it.", remote);
    }

    /// <summary>True when the token (on a link-local address) could not route a reply to <paramref name="client"/>.</summary>
    public static bool WouldFirmwareFailToSend(IPAddress listen, IPAddress client)
    {
        static bool LinkLocal(IPAddress a) =>
            a.AddressFamily == AddressFamily.InterNetwork && a.GetAddressBytes() is [169, 254, _, _];
        // Only meaningful when the emulator stands where the token does; on loopback/any it is a test setup.
        return LinkLocal(listen) && !LinkLocal(client);
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync().ConfigureAwait(false);
        if (_ticker != null) await _ticker.ConfigureAwait(false);
        await _server.DisposeAsync().ConfigureAwait(false);
        _cts.Dispose();
    }
}
