using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Fobnail.Linux;
using Serilog;

namespace Fobnail.Coap;

/// <summary>
/// CoAP client endpoint over ONE UDP socket for a whole session (the token identifies a client by source IP and
/// port, protocol §3.6). RFC 7252 reliability (CON retransmission with ACK_TIMEOUT × rand × 2^n, up to
/// MAX_RETRANSMIT), piggybacked and separate responses, RST handling, duplicate response detection, RFC 7959
/// Block1 uploads and Block2 downloads, and an optional keep-alive ping. At most ONE exchange is outstanding at
/// any time (the token has no de-duplication and processes requests strictly one by one, §3.2).
/// </summary>
public sealed class CoapClient : IDisposable
{
    private readonly Socket _socket;
    private readonly IPEndPoint _remote;
    private readonly CoapClientOptions _options;
    private readonly ILogger _log;
    private readonly Random _jitter;
    private readonly Random? _seeded;
    private readonly SemaphoreSlim _exchangeLock = new(1, 1);
    private readonly byte[] _receiveBuffer;
    private readonly MessageIdHistory _separateResponses = new(32);
    private ushort _nextMessageId;
    // When the peer last saw a message that refreshes its state for us: a request its handler runs, or a ping.
    private long _lastRefreshTimestamp = Stopwatch.GetTimestamp();
    private CancellationTokenSource? _keepAliveCts;
    private Task? _keepAliveTask;

    public CoapClient(IPEndPoint remote, CoapClientOptions? options = null, ILogger? logger = null, IPEndPoint? localEndPoint = null)
    {
        _remote = remote;
        _options = options ?? new CoapClientOptions();
        _options.Validate();
        _log = logger ?? Serilog.Core.Logger.None;
        // Message IDs and tokens come from getrandom(2) (an off-path attacker must not guess them, RFC 7252
        // §5.3.1); a fixed seed replaces it only in tests that need reproducible traffic.
        _seeded = _options.RandomSeed is { } seed ? new Random(seed) : null;
        _jitter = _seeded ?? new Random();
        _nextMessageId = _seeded is { } r ? (ushort)r.Next(65536) : KernelRandom.UInt16();
        _receiveBuffer = new byte[_options.ReceiveBufferSize];
        _socket = new Socket(remote.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(localEndPoint ?? new IPEndPoint(remote.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
    }

    public IPEndPoint RemoteEndPoint => _remote;

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Consecutive keep-alive pings that got no RST (0 after every answered ping).</summary>
    public int KeepAliveFailures { get; private set; }

    /// <summary>Count of datagrams this client has sent (for tests and diagnostics).</summary>
    public int DatagramsSent { get; private set; }

    public Task<CoapMessage> GetAsync(string path, CancellationToken ct = default) =>
        SendAsync(new CoapRequest(CoapCode.Get, path), ct);

    public Task<CoapMessage> PostAsync(string path, byte[] payload, uint? contentFormat, CancellationToken ct = default) =>
        SendAsync(new CoapRequest(CoapCode.Post, path) { Payload = payload, ContentFormat = contentFormat }, ct);

    public Task<CoapMessage> PutAsync(string path, byte[] payload, uint? contentFormat, CancellationToken ct = default) =>
        SendAsync(new CoapRequest(CoapCode.Put, path) { Payload = payload, ContentFormat = contentFormat }, ct);

    public Task<CoapMessage> DeleteAsync(string path, CancellationToken ct = default) =>
        SendAsync(new CoapRequest(CoapCode.Delete, path), ct);

    /// <summary>
    /// Sends a request and returns the final response; its <see cref="CoapMessage.Payload"/> is the whole body
    /// (Block2 blocks joined). Payloads larger than one block go out as Block1. Response codes are not errors
    /// here: 4.xx/5.xx are returned. Throws <see cref="CoapTimeoutException"/>, <see cref="CoapResetException"/>,
    /// <see cref="CoapException"/> (broken block-wise transfer) or <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task<CoapMessage> SendAsync(CoapRequest request, CancellationToken ct = default)
    {
        await _exchangeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // One token for every message of this request, including Block2 follow-ups: the firmware's cached
            // blocks echo the first request's token (§3.5), so reusing it keeps both matching rules satisfied.
            byte[] token = NewToken();
            CoapMessage response = await UploadAsync(request, token, ct).ConfigureAwait(false);
            if (SafeBlock(response, CoapOptionNumber.Block2) is { More: true } first && response.Code.IsSuccess)
                response = await DownloadRestAsync(request, token, response, first, ct).ConfigureAwait(false);
            ValidateOptions(response);
            return response;
        }
        finally
        {
            _exchangeLock.Release();
        }
    }

    /// <summary>CoAP ping (RFC 7252 §4.3): an Empty CON, answered by RST. Retransmits like any CON.</summary>
    public async Task<bool> PingAsync(CancellationToken ct = default)
    {
        await _exchangeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await PingOnceLockedAsync(_options.MaxRetransmit, ct).ConfigureAwait(false);
        }
        finally
        {
            _exchangeLock.Release();
        }
    }

    /// <summary>
    /// Starts pinging every <see cref="CoapClientOptions.KeepAlivePeriod"/> when the session has been silent
    /// for that long. A tick is skipped while a request is in flight (that request keeps the session alive, and
    /// a second outstanding message is exactly what the token cannot handle).
    /// </summary>
    public void StartKeepAlive()
    {
        if (_keepAliveTask is not null) return;
        _keepAliveCts = new CancellationTokenSource();
        var ct = _keepAliveCts.Token;
        _keepAliveTask = Task.Run(() => KeepAliveLoopAsync(ct), CancellationToken.None);
    }

    public async Task StopKeepAliveAsync()
    {
        if (_keepAliveCts is null || _keepAliveTask is null) return;
        await _keepAliveCts.CancelAsync().ConfigureAwait(false);
        try { await _keepAliveTask.ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        _keepAliveCts.Dispose();
        _keepAliveCts = null;
        _keepAliveTask = null;
    }

    public void Dispose()
    {
        _keepAliveCts?.Cancel();
        try { _keepAliveTask?.Wait(TimeSpan.FromSeconds(5)); }
        catch (AggregateException) { }
        _keepAliveCts?.Dispose();
        _socket.Dispose();
        _exchangeLock.Dispose();
    }

    // ---- keep-alive --------------------------------------------------------------------------------

    private async Task KeepAliveLoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_options.KeepAlivePeriod);
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
            if (Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastRefreshTimestamp)) < _options.KeepAlivePeriod * 0.9) continue;
            if (!await _exchangeLock.WaitAsync(0, ct).ConfigureAwait(false)) continue;
            try
            {
                // A single attempt: the next tick is the retransmission, and the lock must not be held for the
                // whole RFC back-off (up to 45 s) while the application wants to send.
                bool ok = await PingOnceLockedAsync(0, ct).ConfigureAwait(false);
                KeepAliveFailures = ok ? 0 : KeepAliveFailures + 1;
                if (!ok) _log.Warning("CoAP keep-alive: no answer to ping ({Failures} in a row)", KeepAliveFailures);
            }
            catch (CoapException e)
            {
                KeepAliveFailures++;
                _log.Warning("CoAP keep-alive failed: {Error}", e.Message);
            }
            catch (ObjectDisposedException)
            {
                return; // the client was disposed under us
            }
            finally
            {
                _exchangeLock.Release();
            }
        }
    }

    private async Task<bool> PingOnceLockedAsync(int maxRetransmit, CancellationToken ct, TimeSpan? ackTimeout = null)
    {
        var ping = CoapMessage.Empty(CoapType.Confirmable, NextMessageId());
        try
        {
            var answer = await ExchangeLockedAsync(ping, maxRetransmit, ct, ackTimeout).ConfigureAwait(false);
            _log.Debug("CoAP ping answered by {Answer}", answer);
            return false; // anything other than RST is not a pong
        }
        catch (CoapResetException)
        {
            return true;
        }
        catch (CoapTimeoutException)
        {
            return false;
        }
    }

    // ---- block-wise --------------------------------------------------------------------------------

    private CoapMessage BuildMessage(CoapRequest request, byte[] token, ReadOnlySpan<byte> payload)
    {
        var m = new CoapMessage(request.Confirmable ? CoapType.Confirmable : CoapType.NonConfirmable, request.Method, NextMessageId(), token);
        m.SetUriPath(request.Path);
        if (request.ContentFormat is { } cf && payload.Length > 0) m.ContentFormat = cf;
        if (request.Accept is { } accept) m.Accept = accept;
        foreach (var o in request.Options) m.Options.Add(o);
        m.Payload = payload.ToArray();
        return m;
    }

    /// <summary>
    /// Sends the request body, as one message or as RFC 7959 Block1 blocks; handles 2.31 Continue, a smaller
    /// SZX proposed in 2.31 (late negotiation, §2.5) and 4.13 with a Block1 size hint (restart with that size,
    /// §2.9.3). Returns the final response.
    /// </summary>
    private async Task<CoapMessage> UploadAsync(CoapRequest request, byte[] token, CancellationToken ct)
    {
        byte[] body = request.Payload;
        int szx = _options.Block1Szx;
        if (body.Length <= 1 << (szx + 4))
        {
            var single = await ExchangeLockedAsync(BuildMessage(request, token, body), _options.MaxRetransmit, ct).ConfigureAwait(false);
            if (single.Code != CoapCode.RequestEntityTooLarge || SafeBlock(single, CoapOptionNumber.Block1) is not { } hint || body.Length <= hint.Size)
                return single;
            _log.Debug("CoAP 4.13 with Block1 hint {Size}: switching to block-wise upload", hint.Size);
            szx = hint.Szx;
        }

        int offset = 0;
        int restarts = 0;
        while (true)
        {
            int size = 1 << (szx + 4);
            int length = Math.Min(size, body.Length - offset);
            bool more = offset + length < body.Length;
            var m = BuildMessage(request, token, body.AsSpan(offset, length));
            m.Block1 = new CoapBlockOption((uint)(offset / size), more, szx);
            // Only the last block reaches the peer's handler; the ones before it do not refresh its state.
            if (more) await RefreshPeerLockedAsync(ct).ConfigureAwait(false);
            var response = await ExchangeLockedAsync(m, _options.MaxRetransmit, ct, more ? _options.BlockAckTimeout : null, refreshesPeer: !more).ConfigureAwait(false);
            var echoed = SafeBlock(response, CoapOptionNumber.Block1);

            if (response.Code == CoapCode.RequestEntityTooLarge && echoed is { } h && h.Szx < szx && restarts++ < 6)
            {
                _log.Debug("CoAP 4.13 during Block1: restarting with {Size}-byte blocks", h.Size);
                szx = h.Szx;
                offset = 0;
                continue;
            }
            if (!more) return response;
            if (response.Code != CoapCode.Continue) return response; // error or early final answer ends the upload
            offset += length;
            // Offsets are multiples of the old power-of-two size, hence of any smaller one.
            if (echoed is { } e && e.Szx < szx) szx = e.Szx;
        }
    }

    /// <summary>
    /// In the middle of a block-wise transfer with keep-alive on: pings when the peer's state was last refreshed
    /// half a keep-alive period ago or more, so a transfer longer than its idle purge (or a lost block waiting for
    /// its retransmission) does not outlive the client's state on the token (issue #10, item 5).
    /// </summary>
    private async Task RefreshPeerLockedAsync(CancellationToken ct)
    {
        if (_keepAliveTask is null) return;
        if (Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastRefreshTimestamp)) < _options.KeepAlivePeriod / 2) return;
        if (!await PingOnceLockedAsync(1, ct, _options.BlockAckTimeout).ConfigureAwait(false))
            _log.Warning("CoAP keep-alive between blocks: no answer to ping");
    }

    /// <summary>Fetches Block2 blocks 1..n with the same token and joins them (RFC 7959 §2.4).</summary>
    private async Task<CoapMessage> DownloadRestAsync(CoapRequest request, byte[] token, CoapMessage first, CoapBlockOption block, CancellationToken ct)
    {
        if (block.Num != 0) throw new CoapException($"Block2 transfer started at block {block.Num}");
        ValidateOptions(first);
        if (first.Size2 is { } announced && announced > _options.MaxResponseBodySize)
            throw new CoapException($"response of {announced} bytes (Size2) exceeds the {_options.MaxResponseBodySize}-byte limit");
        var body = new MemoryStream();
        body.Write(first.Payload);
        CoapMessage last = first;
        while (block.More)
        {
            if (first.Payload.Length != block.Size && block.Num == 0)
                throw new CoapException($"Block2 block 0 carries {first.Payload.Length} bytes, not {block.Size}");
            long offset = body.Length;
            if (offset + block.Size > _options.MaxResponseBodySize)
                throw new CoapException($"Block2 response exceeds the {_options.MaxResponseBodySize}-byte limit");
            var m = BuildMessage(request, token, []);
            m.Block2 = new CoapBlockOption((uint)(offset / block.Size), false, block.Szx);
            // Follow-ups are served from the peer's block cache without reaching its handler.
            await RefreshPeerLockedAsync(ct).ConfigureAwait(false);
            last = await ExchangeLockedAsync(m, _options.MaxRetransmit, ct, _options.BlockAckTimeout, refreshesPeer: false).ConfigureAwait(false);
            if (!last.Code.IsSuccess) return last;
            // Every block is a slice of ONE representation (RFC 7959 §2.4): a success code that changes between
            // blocks means the blocks are not of the same response, so the body cannot be trusted.
            if (last.Code != first.Code)
                throw new CoapException($"Block2 block {block.Num + 1} answered {last.Code} after block 0 answered {first.Code}");
            block = SafeBlock(last, CoapOptionNumber.Block2) ?? throw new CoapException("Block2 follow-up response has no Block2 option");
            if (block.Offset != offset)
                throw new CoapException($"Block2 follow-up returned block {block.Num} (offset {block.Offset}), expected offset {offset}");
            if (block.More && last.Payload.Length != block.Size)
                throw new CoapException($"Block2 block {block.Num} carries {last.Payload.Length} bytes, not {block.Size}");
            body.Write(last.Payload);
        }
        last.Payload = body.ToArray();
        last.RemoveOptions(CoapOptionNumber.Block2);
        return last;
    }

    /// <summary>
    /// Makes sure the typed accessors of the returned message cannot throw: an over-long uint or a bad Block
    /// value from the peer is reported here as <see cref="CoapException"/>, so callers handle one exception family.
    /// </summary>
    private static void ValidateOptions(CoapMessage m)
    {
        try
        {
            _ = m.ContentFormat;
            _ = m.MaxAge;
            _ = m.Accept;
            _ = m.Size1;
            _ = m.Size2;
            _ = m.Block1;
            _ = m.Block2;
        }
        catch (CoapFormatException e)
        {
            throw new CoapException($"invalid option in response: {e.Message}");
        }
    }

    private static CoapBlockOption? SafeBlock(CoapMessage m, ushort number)
    {
        try
        {
            return m.GetOption(number) is { } o ? CoapBlockOption.FromOption(o) : null;
        }
        catch (CoapFormatException e)
        {
            throw new CoapException($"invalid {CoapOptionNumber.NameOf(number)} option in response: {e.Message}");
        }
    }

    // ---- one message exchange (RFC 7252 §4) ---------------------------------------------------------

    private enum Match { None, Response, EmptyAck, Reset }

    /// <summary>
    /// Sends one message and waits for what completes it: for CON the piggybacked ACK (matched by Message ID and
    /// token),
    /// an empty ACK followed by a separate response (matched by token), or RST; for NON a response with our
    /// token. Retransmits CON with exponential back-off. Caller holds the exchange lock.
    /// </summary>
    private async Task<CoapMessage> ExchangeLockedAsync(CoapMessage message, int maxRetransmit, CancellationToken ct,
        TimeSpan? ackTimeout = null, bool refreshesPeer = true)
    {
        byte[] datagram = message.Encode();
        bool confirmable = message.Type == CoapType.Confirmable;
        TimeSpan ack = ackTimeout ?? _options.AckTimeout;
        double jitter = 1.0 + _jitter.NextDouble() * (_options.AckRandomFactor - 1.0);
        TimeSpan timeout = ack * jitter;
        if (!confirmable)
            // NON: no retransmission; wait about MAX_TRANSMIT_SPAN for a response (RFC 7252 §4.8.2).
            timeout = ack * ((1 << maxRetransmit) - 1) * _options.AckRandomFactor + ack;

        bool acknowledged = false;
        for (int attempt = 0; ; attempt++)
        {
            await SendDatagramAsync(datagram, ct).ConfigureAwait(false);
            if (refreshesPeer) Interlocked.Exchange(ref _lastRefreshTimestamp, Stopwatch.GetTimestamp());
            var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            while (true)
            {
                var (match, received) = await ReceiveMatchAsync(message, acknowledged, deadline, ct).ConfigureAwait(false);
                switch (match)
                {
                    case Match.Response:
                        return received!;
                    case Match.Reset:
                        throw new CoapResetException($"peer reset message {message.MessageId} ({message.Code})");
                    case Match.EmptyAck:
                        // Separate response (RFC 7252 §5.2.2): stop retransmitting, wait for the response by token.
                        acknowledged = true;
                        deadline = Stopwatch.GetTimestamp() + (long)(_options.SeparateResponseTimeout.TotalSeconds * Stopwatch.Frequency);
                        continue;
                }
                break; // Match.None: the deadline passed
            }
            if (acknowledged)
                throw new CoapTimeoutException($"no separate response to {message.Code} within {_options.SeparateResponseTimeout}");
            if (!confirmable || attempt >= maxRetransmit)
                throw new CoapTimeoutException($"no response to {message.Code} (MID {message.MessageId}) after {attempt + 1} transmission(s)");
            timeout *= 2;
            _log.Debug("CoAP retransmission {Attempt} of MID {Mid}", attempt + 1, message.MessageId);
        }
    }

    /// <summary>Reads datagrams until one completes the exchange or the deadline passes (returns None).</summary>
    private async Task<(Match, CoapMessage?)> ReceiveMatchAsync(CoapMessage request, bool acknowledged, long deadline, CancellationToken ct)
    {
        EndPoint any = new IPEndPoint(_remote.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (true)
        {
            long remainingTicks = deadline - Stopwatch.GetTimestamp();
            if (remainingTicks <= 0) return (Match.None, null);
            using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeoutCts.CancelAfter(TimeSpan.FromSeconds((double)remainingTicks / Stopwatch.Frequency));
            SocketReceiveFromResult result;
            try
            {
                result = await _socket.ReceiveFromAsync(_receiveBuffer, SocketFlags.None, any, timeoutCts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return (Match.None, null);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused
                or SocketError.HostUnreachable or SocketError.NetworkUnreachable)
            {
                // An ICMP error for an earlier send; the peer may come up later: treat it like a lost datagram.
                continue;
            }
            catch (SocketException e)
            {
                throw new CoapException($"UDP receive failed: {e.SocketErrorCode} ({e.Message})");
            }
            if (!_remote.Equals(result.RemoteEndPoint)) continue;
            CoapMessage m;
            try
            {
                m = CoapMessage.Decode(_receiveBuffer.AsSpan(0, result.ReceivedBytes));
            }
            catch (CoapFormatException e)
            {
                _log.Debug("CoAP: dropped malformed datagram: {Error}", e.Message);
                continue;
            }

            var match = Classify(request, acknowledged, m);
            if (match != Match.None) return (match, m);
        }
    }

    private Match Classify(CoapMessage request, bool acknowledged, CoapMessage m)
    {
        bool requestIsConfirmable = request.Type == CoapType.Confirmable;
        switch (m.Type)
        {
            case CoapType.Acknowledgement when requestIsConfirmable && !acknowledged && m.MessageId == request.MessageId:
                if (m.Code.IsEmpty) return request.Code.IsEmpty ? Match.None : Match.EmptyAck;
                // RFC 7252 §5.3.2: a piggybacked response matches by Message ID AND token (the endpoint was
                // compared on receipt). One with another token answers something else: not ours.
                if (!m.Token.AsSpan().SequenceEqual(request.Token))
                {
                    _log.Warning("CoAP: ignored piggybacked response to MID {Mid} with token {Token}, expected {Expected}",
                        m.MessageId, Convert.ToHexString(m.Token), Convert.ToHexString(request.Token));
                    return Match.None;
                }
                return Match.Response;
            case CoapType.Reset when m.MessageId == request.MessageId:
                return Match.Reset;
            case CoapType.Confirmable or CoapType.NonConfirmable when m.Code.IsResponse:
                if (m.Type == CoapType.Confirmable) SendEmpty(CoapType.Acknowledgement, m.MessageId);
                if (m.Type == CoapType.Confirmable && !_separateResponses.Add(m.MessageId))
                {
                    _log.Debug("CoAP: duplicate separate response MID {Mid} acknowledged again and ignored", m.MessageId);
                    return Match.None;
                }
                if (!request.Code.IsEmpty && m.Token.AsSpan().SequenceEqual(request.Token))
                    return Match.Response;
                _log.Debug("CoAP: ignored response with unknown token {Token}", Convert.ToHexString(m.Token));
                return Match.None;
            case CoapType.Confirmable:
                // A request or Empty CON to a client endpoint: we serve nothing; RST it (RFC 7252 §4.2).
                SendEmpty(CoapType.Reset, m.MessageId);
                return Match.None;
            default:
                // Late ACKs from earlier retransmissions, duplicates of answered messages: ignore.
                _log.Debug("CoAP: ignored {Message}", m);
                return Match.None;
        }
    }

    private void SendEmpty(CoapType type, ushort messageId)
    {
        try
        {
            _socket.SendTo(CoapMessage.Empty(type, messageId).Encode(), _remote);
            DatagramsSent++;
        }
        catch (SocketException e)
        {
            _log.Debug("CoAP: could not send {Type}: {Error}", type, e.Message);
        }
    }

    private async Task SendDatagramAsync(byte[] datagram, CancellationToken ct)
    {
        try
        {
            await _socket.SendToAsync(datagram, SocketFlags.None, _remote, ct).ConfigureAwait(false);
            DatagramsSent++;
        }
        catch (SocketException e)
        {
            // E.g. no route yet or ICMP unreachable: treat like a lost datagram; retransmission handles it.
            _log.Debug("CoAP: send failed: {Error}", e.Message);
        }
    }

    private ushort NextMessageId() => unchecked(_nextMessageId++);

    private byte[] NewToken()
    {
        var token = new byte[_options.TokenLength];
        if (_seeded is { } r) r.NextBytes(token);
        else KernelRandom.Fill(token);
        return token;
    }
}
