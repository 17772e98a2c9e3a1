using System.Net;
using Fobnail.Coap;
using Fobnail.Protocol;
using Serilog;

namespace Fobnail.Attester.Session;

/// <summary>
/// One conversation with the token: ONE <see cref="CoapClient"/> and so one UDP source port for provisioning,
/// attestation and FTS (the token keys all per-client state by IP and port, §3.6), a keep-alive Empty-CON ping
/// every ~1 s while open (the token purges clients idle for 3 s), never two outstanding requests (the client
/// serializes exchanges), no Accept option (§3.4 bug), CON requests only.
/// </summary>
public sealed class TokenSession : IAsyncDisposable
{
    private readonly CoapClient _client;
    private readonly TokenSessionOptions _options;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _deadline;
    private bool _keepAlive;

    public TokenSession(IPEndPoint token, TokenSessionOptions? options = null, ILogger? log = null, IPEndPoint? localEndPoint = null)
    {
        _options = options ?? new TokenSessionOptions();
        _log = log ?? Serilog.Core.Logger.None;
        _client = new CoapClient(token, _options.Coap, _log, localEndPoint);
        _deadline = new CancellationTokenSource(_options.Deadline);
        _deadline.Token.Register(() => _log.Warning("token session: the {Seconds} s deadline for the whole exchange with {Token} passed; abandoning it",
            _options.Deadline.TotalSeconds, token));
    }

    public IPEndPoint Token => _client.RemoteEndPoint;

    public IPEndPoint LocalEndPoint => _client.LocalEndPoint;

    /// <summary>Unanswered keep-alive pings in a row (0 while the token answers).</summary>
    public int KeepAliveFailures => _client.KeepAliveFailures;

    /// <summary>Datagrams sent so far (requests, retransmissions and pings).</summary>
    public int DatagramsSent => _client.DatagramsSent;

    /// <summary>Parses "HOST:PORT" (IPv4 literal) as given to --token.</summary>
    public static IPEndPoint ParseEndPoint(string text)
    {
        if (!IPEndPoint.TryParse(text, out IPEndPoint? ep) || ep.Port == 0)
            throw new FormatException($"--token {text}: expected ADDRESS:PORT, e.g. {TokenSessionOptions.DefaultToken}");
        return ep;
    }

    /// <summary>Starts the keep-alive pings. Call it right before the first request (after slow TPM work).</summary>
    public void StartKeepAlive()
    {
        if (_keepAlive) return;
        _client.StartKeepAlive();
        _keepAlive = true;
    }

    public Task<CoapMessage> GetAsync(string path, CancellationToken ct) => SendAsync(new CoapRequest(CoapCode.Get, path), ct);

    public Task<CoapMessage> PostCborAsync(string path, byte[] payload, CancellationToken ct) =>
        SendAsync(new CoapRequest(CoapCode.Post, path) { Payload = payload, ContentFormat = ContentFormats.Cbor }, ct);

    /// <summary>POST without payload or Content-Format (the commit, §5.4f).</summary>
    public Task<CoapMessage> PostEmptyAsync(string path, CancellationToken ct) => SendAsync(new CoapRequest(CoapCode.Post, path), ct);

    public Task<CoapMessage> PutOctetsAsync(string path, byte[] payload, CancellationToken ct) =>
        SendAsync(new CoapRequest(CoapCode.Put, path) { Payload = payload, ContentFormat = ContentFormats.OctetStream }, ct);

    public Task<CoapMessage> DeleteAsync(string path, CancellationToken ct) => SendAsync(new CoapRequest(CoapCode.Delete, path), ct);

    /// <summary>GET /api/v1/nonce: the raw 32 bytes (§5.2). A fresh one is needed before every signed upload.</summary>
    public async Task<byte[]> GetNonceAsync(CancellationToken ct)
    {
        CoapMessage r = await GetAsync(FobnailPaths.Nonce, ct).ConfigureAwait(false);
        if (r.Code != CoapCode.Content || r.Payload.Length != ProtocolLimits.NonceSize)
            throw new TokenProtocolException(FobnailPaths.Nonce, r, $"expected 2.05 with {ProtocolLimits.NonceSize} bytes");
        return r.Payload;
    }

    /// <summary>
    /// Sends one request (the client never has two outstanding). A timeout, a reset, or a keep-alive that
    /// found the token gone becomes <see cref="TokenUnreachableException"/>; the session's deadline passing
    /// becomes <see cref="TokenDeadlineException"/>.
    /// </summary>
    public async Task<CoapMessage> SendAsync(CoapRequest request, CancellationToken ct)
    {
        if (_keepAlive && _client.KeepAliveFailures >= _options.MaxKeepAliveFailures)
            throw new TokenUnreachableException($"the token at {Token} did not answer {_client.KeepAliveFailures} keep-alive pings; its session state is gone");
        if (_deadline.IsCancellationRequested)
            throw new TokenDeadlineException(DeadlineMessage(request));
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct, _deadline.Token);
        try
        {
            CoapMessage response = await _client.SendAsync(request, bounded.Token).ConfigureAwait(false);
            _log.Debug("{Method} {Path} -> {Code} ({Bytes} bytes)", request.Method, request.Path, response.Code, response.Payload.Length);
            return response;
        }
        catch (CoapTimeoutException e)
        {
            throw new TokenUnreachableException($"no answer from the token at {Token} to {request.Method} {request.Path}: {e.Message}", e);
        }
        catch (CoapResetException e)
        {
            throw new TokenUnreachableException($"the token at {Token} reset {request.Method} {request.Path}: {e.Message}", e);
        }
        catch (OperationCanceledException e) when (_deadline.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new TokenDeadlineException(DeadlineMessage(request), e);
        }
    }

    private string DeadlineMessage(CoapRequest request) =>
        $"the whole exchange with the token at {Token} took longer than its {_options.Deadline.TotalSeconds:0.###} s deadline (at {request.Method} {request.Path})";

    public async ValueTask DisposeAsync()
    {
        await _client.StopKeepAliveAsync().ConfigureAwait(false);
        _client.Dispose();
        _deadline.Dispose();
    }
}
