using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Serilog;

namespace Fobnail.Coap;

/// <summary>
/// CoAP server endpoint shaped like the token's (coap-server-rs on coap-lite, protocol §3): requests are
/// processed strictly one at a time; routing by Uri-Path with longest-prefix match (leftover segments go to the
/// handler); Block1 reassembly keyed by (method, path, endpoint) answering 2.31 Continue; Block2 slicing with a
/// per-(method, path, endpoint) cache; 4.13 with a Block1 size hint for oversize requests; Empty CON answered
/// with RST (ping); Empty NON ignored; NON requests answered NON, CON piggybacked; malformed datagrams dropped
/// silently; NO de-duplication (a retransmitted request runs the handler again, as on the token).
/// </summary>
public sealed class CoapServer : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly CoapServerOptions _options;
    private readonly ILogger _log;
    private readonly Lock _routesLock = new();
    private volatile Route[] _routes = [];
    private readonly Dictionary<BlockStateKey, Block1Assembly> _uploads = [];
    private readonly Dictionary<BlockStateKey, Block2Entry> _downloads = [];
    private readonly byte[] _buffer = new byte[65536];
    private ushort _nextMessageId = (ushort)Random.Shared.Next(65536);
    private CancellationTokenSource? _cts;
    private Task? _loop;

    private sealed record Route(string[] Segments, CoapHandler Handler, CoapCode[] Methods);

    private sealed class Block1Assembly
    {
        public MemoryStream Body { get; } = new();
        public long LastUsed { get; set; }
    }

    private sealed class Block2Entry
    {
        public required CoapCode Code { get; init; }
        public required List<CoapOption> Options { get; init; }
        public required byte[] Payload { get; init; }
        public required byte[] FirstToken { get; init; }
        public required int Szx { get; init; }
        public long LastUsed { get; set; }
    }

    public CoapServer(IPEndPoint bind, CoapServerOptions? options = null, ILogger? logger = null)
    {
        _options = options ?? new CoapServerOptions();
        _log = logger ?? Serilog.Core.Logger.None;
        _socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(bind);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Raised for every CoAP ping (Empty CON) before the RST goes out: the token refreshes liveness here.</summary>
    public event Action<IPEndPoint>? PingReceived;

    /// <summary>Raised instead of sending a response larger than <see cref="CoapServerOptions.MaxResponseDatagram"/> (its length, the peer).</summary>
    public event Action<int, IPEndPoint>? ResponseDropped;

    /// <summary>Raised for every request datagram accepted for processing (each block, each retransmission).</summary>
    public event Action<CoapMessage, IPEndPoint>? RequestReceived;

    /// <summary>
    /// Routes requests whose Uri-Path starts with <paramref name="path"/> ("" matches everything) to
    /// <paramref name="handler"/>; the longest matching route wins. With
    /// <paramref name="methods"/> given, other methods get 4.05 "Method not allowed".
    /// </summary>
    public void Map(string path, CoapHandler handler, params CoapCode[] methods)
    {
        // Copy-on-write: the receive loop reads a snapshot, so routes may be added while the server runs.
        var route = new Route(path.Split('/', StringSplitOptions.RemoveEmptyEntries), handler, methods);
        lock (_routesLock) _routes = [.. _routes, route];
    }

    public void Start()
    {
        if (_loop is not null) return;
        _cts = new CancellationTokenSource();
        var ct = _cts.Token;
        _loop = Task.Run(() => RunAsync(ct), CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (_cts is not null)
        {
            await _cts.CancelAsync().ConfigureAwait(false);
            try { if (_loop is not null) await _loop.ConfigureAwait(false); }
            catch (OperationCanceledException) { }
            _cts.Dispose();
        }
        _socket.Dispose();
    }

    private async Task RunAsync(CancellationToken ct)
    {
        EndPoint any = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!ct.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await _socket.ReceiveFromAsync(_buffer, SocketFlags.None, any, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException e)
            {
                _log.Debug("CoAP server: receive error {Error}", e.SocketErrorCode);
                continue;
            }
            try
            {
                await ProcessAsync(_buffer.AsMemory(0, r.ReceivedBytes), (IPEndPoint)r.RemoteEndPoint).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or CoapFormatException)
            {
                _log.Warning("CoAP server: {Error}", e.Message);
            }
        }
    }

    private async Task ProcessAsync(ReadOnlyMemory<byte> datagram, IPEndPoint remote)
    {
        CoapMessage request;
        try
        {
            request = CoapMessage.Decode(datagram.Span);
        }
        catch (CoapFormatException e)
        {
            // Like the token: malformed datagrams get no answer at all.
            _log.Debug("CoAP server: dropped malformed datagram from {Remote}: {Error}", remote, e.Message);
            return;
        }

        if (request.Code.IsEmpty)
        {
            if (request.Type == CoapType.Confirmable)
            {
                PingReceived?.Invoke(remote);
                Send(CoapMessage.Empty(CoapType.Reset, request.MessageId), remote);
            }
            return; // Empty NON, ACK, RST: nothing to do
        }
        if (request.Type is CoapType.Acknowledgement or CoapType.Reset) return; // we never send CON
        if (!request.Code.IsRequest)
        {
            if (request.Type == CoapType.Confirmable && !_options.IgnoreConfirmableResponses)
                Send(CoapMessage.Empty(CoapType.Reset, request.MessageId), remote);
            return;
        }

        RequestReceived?.Invoke(request, remote);
        ExpireBlockState();
        CoapServerResponse response;
        CoapBlockOption? block1Echo = null;
        CoapBlockOption? block2;
        CoapBlockOption? block1;
        try
        {
            block1 = request.Block1;
            block2 = request.Block2;
        }
        catch (CoapFormatException e)
        {
            Reply(request, remote, CoapServerResponse.Text(CoapCode.BadOption, e.Message));
            return;
        }

        var segments = request.UriPath;
        var key = new BlockStateKey(request.Code, string.Join('/', segments), remote);

        if (datagram.Length > _options.MaxMessageSize)
        {
            // RFC 7959 §2.9.3: 4.13 with a Block1 option whose SZX tells the client what size to use.
            var tooLarge = CoapServerResponse.Text(CoapCode.RequestEntityTooLarge, "Request too large")
                .With(new CoapBlockOption(0, false, _options.PreferredSzx).ToOption(CoapOptionNumber.Block1));
            Reply(request, remote, tooLarge);
            return;
        }

        // Block2 follow-up served from the cache (firmware quirk included: ANY request on this key carrying
        // Block2 gets the cached body, even a new logical request).
        if (block2 is { } wanted && _downloads.TryGetValue(key, out var cached))
        {
            ServeBlock2(request, remote, key, cached, wanted);
            return;
        }

        byte[] body = request.Payload;
        if (block1 is { } b1)
        {
            _uploads.TryGetValue(key, out var assembly);
            if (b1.Num == 0)
            {
                assembly = new Block1Assembly();
                _uploads[key] = assembly;
            }
            // A block may repeat the previous one (its 2.31 was lost and the client retransmitted): writing at
            // the block's offset makes that idempotent. Only a gap is an error (RFC 7959 §2.9.2, 4.08).
            if (assembly is null || b1.Offset > assembly.Body.Length)
            {
                _uploads.Remove(key);
                Reply(request, remote, CoapServerResponse.Text(CoapCode.RequestEntityIncomplete, "Request entity incomplete"));
                return;
            }
            assembly.Body.SetLength(b1.Offset);
            if (b1.More && request.Payload.Length != b1.Size)
            {
                _uploads.Remove(key);
                Reply(request, remote, CoapServerResponse.Text(CoapCode.BadRequest, "Block1 size mismatch"));
                return;
            }
            if (assembly.Body.Length + request.Payload.Length > _options.MaxBodySize)
            {
                _uploads.Remove(key);
                Reply(request, remote, CoapServerResponse.Text(CoapCode.RequestEntityTooLarge, "Request too large")
                    .With(new CoapBlockOption(0, false, _options.PreferredSzx).ToOption(CoapOptionNumber.Block1)));
                return;
            }
            assembly.Body.Position = assembly.Body.Length;
            assembly.Body.Write(request.Payload);
            assembly.LastUsed = Stopwatch.GetTimestamp();
            if (b1.More)
            {
                Reply(request, remote, _options.ContinueEchoesBlock
                    ? new CoapServerResponse(CoapCode.Continue, request.Payload)
                        .With(new CoapBlockOption(b1.Num, false, b1.Szx).ToOption(CoapOptionNumber.Block1))
                    : new CoapServerResponse(CoapCode.Continue)
                        .With(new CoapBlockOption(b1.Num, true, b1.Szx).ToOption(CoapOptionNumber.Block1)));
                return;
            }
            // Kept (until expiry or the next block 0) so that a retransmitted final block reassembles the same
            // body; the handler then runs again, as on the token, which has no de-duplication.
            body = assembly.Body.ToArray();
            if (_options.EchoBlock1InFinalResponse) block1Echo = b1;
        }

        response = await InvokeAsync(request, remote, segments, body).ConfigureAwait(false);
        if (block1Echo is { } echo) response.With(echo.ToOption(CoapOptionNumber.Block1));

        int szx = Math.Min(_options.PreferredSzx, block2?.Szx ?? _options.PreferredSzx);
        bool blockwise = _options.Block2ByMessageSize
            ? block2 is not null || response.Payload.Length >= MaxBlockSize(request, response)
            : response.Payload.Length > 1 << (szx + 4) || block2 is { Num: > 0 };
        if (blockwise)
        {
            var entry = new Block2Entry
            {
                Code = response.Code,
                Options = response.Options,
                Payload = response.Payload,
                FirstToken = request.Token,
                Szx = szx,
                LastUsed = Stopwatch.GetTimestamp(),
            };
            _downloads[key] = entry;
            ServeBlock2(request, remote, key, entry, block2 ?? new CoapBlockOption(0, false, szx));
            return;
        }
        Reply(request, remote, response);
    }

    private void ServeBlock2(CoapMessage request, IPEndPoint remote, BlockStateKey key, Block2Entry entry, CoapBlockOption wanted)
    {
        int szx = Math.Min(entry.Szx, wanted.Szx);
        int size = 1 << (szx + 4);
        long offset = wanted.Num * (long)(1 << (wanted.Szx + 4));
        if (offset >= entry.Payload.Length && !(offset == 0 && entry.Payload.Length == 0))
        {
            _downloads.Remove(key);
            Reply(request, remote, _options.Block2PastEndIsBadRequest
                ? CoapServerResponse.Text(CoapCode.BadRequest, $"num={wanted.Num}, block_size={wanted.Size}")
                : CoapServerResponse.Text(CoapCode.BadOption, "Block2 out of range"));
            return;
        }
        int length = (int)Math.Min(size, entry.Payload.Length - offset);
        bool more = offset + length < entry.Payload.Length;
        var slice = new CoapServerResponse(entry.Code, entry.Payload.AsSpan((int)offset, length).ToArray());
        slice.Options.AddRange(entry.Options);
        slice.With(new CoapBlockOption((uint)(offset / size), more, szx).ToOption(CoapOptionNumber.Block2));
        if (offset == 0 && request.Size2 is not null) slice.With(CoapOption.UInt(CoapOptionNumber.Size2, (uint)entry.Payload.Length));
        entry.LastUsed = Stopwatch.GetTimestamp();
        if (!more) _downloads.Remove(key);
        Reply(request, remote, slice, _options.Block2ReuseFirstToken ? entry.FirstToken : null);
    }

    private async ValueTask<CoapServerResponse> InvokeAsync(CoapMessage request, IPEndPoint remote, IReadOnlyList<string> segments, byte[] body)
    {
        Route? best = null;
        foreach (var route in _routes)
        {
            if (route.Segments.Length > segments.Count || (best is not null && route.Segments.Length <= best.Segments.Length)) continue;
            bool match = true;
            for (int i = 0; i < route.Segments.Length && match; i++)
                match = route.Segments[i] == segments[i];
            if (match) best = route;
        }
        if (best is null) return CoapServerResponse.Text(CoapCode.NotFound, "Not found");
        if (best.Methods.Length > 0 && !best.Methods.Contains(request.Code))
            return CoapServerResponse.Text(CoapCode.MethodNotAllowed, "Method not allowed");
        var context = new CoapRequestContext(request, remote, segments, best.Segments.Length, body);
        try
        {
            return await best.Handler(context).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // A failing handler must not stop the endpoint; the client gets what coap-lite sends for internal errors.
            _log.Error(e, "CoAP server: handler for /{Path} failed", string.Join('/', segments));
            return CoapServerResponse.Text(CoapCode.InternalServerError, "Internal error");
        }
    }

    private void Reply(CoapMessage request, IPEndPoint remote, CoapServerResponse response, byte[]? tokenOverride = null)
    {
        // CON → piggybacked ACK with the request's Message ID; NON → NON with a fresh Message ID (RFC 7252 §5.2).
        var m = request.Type == CoapType.Confirmable
            ? new CoapMessage(CoapType.Acknowledgement, response.Code, request.MessageId, tokenOverride ?? request.Token)
            : new CoapMessage(CoapType.NonConfirmable, response.Code, unchecked(_nextMessageId++), tokenOverride ?? request.Token);
        m.Options.AddRange(response.Options);
        m.Payload = response.Payload;
        Send(m, remote);
    }

    private void Send(CoapMessage message, IPEndPoint remote)
    {
        byte[] datagram = message.Encode();
        if (datagram.Length > _options.MaxResponseDatagram)
        {
            ResponseDropped?.Invoke(datagram.Length, remote);
            return;
        }
        _socket.SendTo(datagram, remote);
    }

    /// <summary>
    /// coap-lite's largest payload before Block2: the message limit minus the response encoded without payload
    /// (header, token, options; no payload marker) minus 12 bytes kept for Block1/Block2 options.
    /// </summary>
    private int MaxBlockSize(CoapMessage request, CoapServerResponse response)
    {
        var bare = new CoapMessage(CoapType.Acknowledgement, response.Code, 0, request.Token);
        bare.Options.AddRange(response.Options);
        return _options.MaxMessageSize - bare.Encode().Length - 12;
    }

    private void ExpireBlockState()
    {
        long now = Stopwatch.GetTimestamp();
        long limit = (long)(_options.BlockStateExpiry.TotalSeconds * Stopwatch.Frequency);
        foreach (var k in _uploads.Where(kv => now - kv.Value.LastUsed > limit).Select(kv => kv.Key).ToArray()) _uploads.Remove(k);
        foreach (var k in _downloads.Where(kv => now - kv.Value.LastUsed > limit).Select(kv => kv.Key).ToArray()) _downloads.Remove(k);
    }
}
