using System.Net;
using Fobnail.Token.Emulator.Certificates;
using Fobnail.Token.Emulator.Clients;
using Fobnail.Token.Emulator.Crypto;
using Fobnail.Token.Emulator.Led;
using Fobnail.Token.Emulator.Storage;
using Serilog;

namespace Fobnail.Token.Emulator.Core;

/// <summary>
/// The token's application layer (firmware src/main.rs + src/server/**), independent of any transport:
/// <see cref="Handle"/> takes one reassembled request from a client endpoint and returns the response the
/// firmware would send. Not thread-safe: like the firmware, requests are processed strictly one at a time
/// (the network glue serialises calls, including <see cref="Ping"/> and <see cref="PurgeIdleClients"/>).
/// </summary>
public sealed partial class TokenCore
{
    private readonly FlashStore _flash;
    private readonly CertificateVerifier _certs;
    private readonly ITokenRandom _random;
    private readonly ILogger _log;
    private readonly ClientTable _clients;
    private readonly string _deviceId;
    private bool _tokenProvisioned;
    private TokenIdentity? _identity;

    /// <summary>The firmware's clients_with_fts_access counter, reproduced with its bug (spec §8.3) for comparison.</summary>
    private uint _firmwareFtsCounter;

    public TokenCore(FlashStore flash, CertificateStore certificates, ITokenRandom random, ITokenClock clock,
        ILogger log, string deviceId = "0")
    {
        _flash = flash;
        _certs = new CertificateVerifier(certificates);
        _random = random;
        _log = log;
        _clients = new ClientTable(clock);
        _deviceId = deviceId;
        Led = new LedController(log);
        _tokenProvisioned = flash.TokenProvisioned;
        Led.Control(_tokenProvisioned ? LedState.TokenWaiting : LedState.TokenNotProvisioned);
    }

    public LedController Led { get; }
    public ClientTable Clients => _clients;
    public bool TokenProvisioned => _tokenProvisioned;

    /// <summary>Number of connected clients that passed attestation (what drives the green LED here).</summary>
    public int AttestedClients => _clients.States.Count(c => c.Platform != null);

    /// <summary>Where the firmware's counter would be; it drifts above <see cref="AttestedClients"/> (§8.3).</summary>
    public uint FirmwareFtsCounter => _firmwareFtsCounter;

    /// <summary>An Empty CON (CoAP ping) from the endpoint: it only refreshes the client.</summary>
    public void Ping(IPEndPoint endpoint) => TouchClient(endpoint);

    public TokenResponse Handle(IPEndPoint endpoint, TokenRequest request)
    {
        try
        {
            Route? route = Route.Match(request.UriPath, out IReadOnlyList<string> rest);
            if (route == null) return TokenError.NotFound().ToResponse();
            if (!route.Allows(request.Method)) return TokenError.MethodNotAllowed().ToResponse();
            // Only requests that reach a handler create/refresh the client (firmware handle! macro).
            ClientState client = TouchClient(endpoint);
            var ctx = new RequestContext(endpoint, request, rest, client);
            TokenResponse response = route.Kind switch
            {
                RouteKind.Version => GetApiVersion(ctx),
                RouteKind.Nonce => GenerateNonce(ctx),
                RouteKind.TokenProvision => TokenProvisionCertChain(ctx),
                RouteKind.ProvisionComplete => TokenProvisionComplete(ctx),
                RouteKind.ProvisionEk => ProcessEk(ctx),
                RouteKind.ProvisionAik => ProcessAik(ctx),
                RouteKind.Provision => ProvisionMain(ctx),
                RouteKind.Attest => Attest(ctx),
                RouteKind.Storage => Storage(ctx),
                _ => throw TokenError.NotFound(),
            };
            _log.Debug("{Endpoint} {Method} /{Path} -> {Response}", endpoint, request.Method,
                string.Join('/', request.UriPath), response);
            return response;
        }
        catch (TokenError e)
        {
            _log.Information("{Endpoint} {Method} /{Path} -> {Code} {Text}", endpoint, request.Method,
                string.Join('/', request.UriPath), ResponseCode.Format(e.Code), e.Message);
            return e.ToResponse();
        }
    }

    /// <summary>The 1 s purge tick: drops clients idle for more than 3 s with all their objects and FTS access.</summary>
    /// <summary>
    /// What a panic and reset of the firmware does: every client, with its objects, nonces and FTS access, is
    /// gone (RAM); flash stays.
    /// </summary>
    public void Reset()
    {
        _log.Warning("token reset: every client forgotten");
        _clients.Clear();
        _firmwareFtsCounter = 0;
        Led.Control(_tokenProvisioned ? LedState.TokenWaiting : LedState.TokenNotProvisioned);
    }

    public void PurgeIdleClients()
    {
        int attestedBefore = AttestedClients;
        var removed = _clients.PurgeIdle();
        if (removed.Count == 0) return;
        uint firmwareBefore = _firmwareFtsCounter;
        foreach (var (ep, state) in removed)
        {
            _log.Information("disconnect client: {Endpoint}", ep);
            if (state.Platform != null && _firmwareFtsCounter > 0) _firmwareFtsCounter--;
        }
        int attestedAfter = AttestedClients;
        if (attestedAfter == 0 && attestedBefore > 0) Led.Control(LedState.TokenWaiting);
        if (attestedAfter == 0 && firmwareBefore > 0 && _firmwareFtsCounter > 0)
            _log.Warning(
                "FIRMWARE DIFFERENCE: the real token's FTS client counter is still {Counter} with no attested client " +
                "(it counts every successful /attest/{{ac}} but decrements once per purged client), so its green LED " +
                "would stay stuck on; the emulator shows 'waiting'", _firmwareFtsCounter);
    }

    private ClientState TouchClient(IPEndPoint endpoint)
    {
        ClientState state = _clients.Touch(endpoint, out bool created);
        if (created) _log.Information("new client: {Endpoint}", endpoint);
        return state;
    }

    private sealed record RequestContext(IPEndPoint Endpoint, TokenRequest Request, IReadOnlyList<string> Rest, ClientState Client);
}
