using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Fobnail.Netlink.Matching;
using Fobnail.Netlink.Rtnl;
using Fobnail.Netlink.Uevents;
using Serilog;

namespace Fobnail.Netlink.Token;

/// <summary>
/// Finds the Fobnail Token's network interface and brings it to <see cref="TokenLinkState.Ready"/>:
/// Absent → Present → Up → Addressed → Ready, back to Absent on unplug, and again on replug. Purely
/// event-driven: kernel uevents and RTM_NEWLINK/RTM_DELLINK drive every transition, a link dump at start
/// finds a token that was already there (coldplug). No polling, no sleeps.
/// </summary>
public sealed class TokenLinkManager : IDisposable
{
    private readonly TokenLinkOptions _options;
    private readonly ILogger _log;
    /// <summary>The state machine's logger: written out after each input, not in the middle of acting on it.</summary>
    private readonly ILogger _stepLog;
    private readonly DeferredLog _deferred;
    private readonly SysfsUsbProbe _probe;
    private readonly UeventListener _uevents;
    private readonly RouteMonitor _monitor;
    private readonly RouteClient _client;
    private readonly Lock _subscribersLock = new();
    private readonly List<Channel<TokenLinkEvent>> _subscribers = [];

    // State machine data; touched only by the RunAsync loop.
    private TrackedLink? _tracked;
    /// <summary>Interfaces already judged not to be the token (logged once), by ifindex.</summary>
    private readonly HashSet<int> _ignored = [];

    private TokenLinkEvent _current;
    private int _running;
    private int _stopped;

    private TokenLinkManager(TokenLinkOptions options, ILogger log, UeventListener uevents, RouteMonitor monitor, RouteClient client)
    {
        _options = options;
        _log = log;
        _stepLog = _deferred = new DeferredLog(log);
        _probe = new SysfsUsbProbe(options.SysfsRoot);
        _uevents = uevents;
        _monitor = monitor;
        _client = client;
        _current = new TokenLinkEvent(TokenLinkState.Absent, TokenLinkState.Absent, null, 0, null, DateTimeOffset.UtcNow,
            Stopwatch.GetTimestamp(), null, "not started");
    }

    /// <summary>
    /// Opens the uevent, link-monitor and request sockets now, in the calling thread's network namespace,
    /// so nothing that happens after this call is missed.
    /// </summary>
    public static TokenLinkManager Open(TokenLinkOptions options, ILogger? log = null)
    {
        log ??= Serilog.Core.Logger.None;
        UeventListener? u = null;
        RouteMonitor? m = null;
        try
        {
            u = UeventListener.Open(log);
            m = RouteMonitor.Open(log);
            var c = RouteClient.Open(log);
            return new TokenLinkManager(options, log, u, m, c);
        }
        catch
        {
            u?.Dispose();
            m?.Dispose();
            throw;
        }
    }

    /// <summary>The latest state change (state Absent, reason "not started" before <see cref="RunAsync"/>).</summary>
    public TokenLinkEvent Current => Volatile.Read(ref _current);

    public TokenLinkState State => Current.State;

    /// <summary>
    /// All state changes from now on, starting with the current one. The subscription is registered by this
    /// call itself (not lazily on first enumeration), so nothing between the call and the enumeration is lost.
    /// Each call is independent; it ends when <paramref name="ct"/> fires or the manager stops.
    /// </summary>
    public IAsyncEnumerable<TokenLinkEvent> SubscribeAsync(CancellationToken ct)
    {
        var ch = Channel.CreateUnbounded<TokenLinkEvent>(new UnboundedChannelOptions { SingleReader = true });
        lock (_subscribersLock)
        {
            ch.Writer.TryWrite(_current);
            if (Volatile.Read(ref _stopped) != 0) ch.Writer.TryComplete();
            else _subscribers.Add(ch);
        }
        return Read(ch, ct);
    }

    private async IAsyncEnumerable<TokenLinkEvent> Read(Channel<TokenLinkEvent> ch, [EnumeratorCancellation] CancellationToken ct)
    {
        try
        {
            await foreach (var e in ch.Reader.ReadAllAsync(ct).ConfigureAwait(false))
                yield return e;
        }
        finally
        {
            lock (_subscribersLock) _subscribers.Remove(ch);
        }
    }

    /// <summary>Waits until the link reaches <paramref name="state"/> (returns at once if it is there).</summary>
    public async Task<TokenLinkEvent> WaitForAsync(TokenLinkState state, CancellationToken ct)
    {
        await foreach (var e in SubscribeAsync(ct).ConfigureAwait(false))
            if (e.State == state) return e;
        throw new OperationCanceledException("token link manager stopped before reaching " + state);
    }

    /// <summary>Runs the state machine until <paramref name="ct"/> fires. Throws on socket failures.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _running, 1) != 0) throw new InvalidOperationException("RunAsync is already running");
        var inputs = Channel.CreateUnbounded<TokenLinkInput>(new UnboundedChannelOptions { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pumps = new[]
        {
            Pump(_uevents.ListenAsync(stop.Token), e => new TokenLinkInput.FromUevent(e), inputs.Writer),
            Pump(_monitor.ListenAsync(stop.Token),
                e => e.Link is null ? new TokenLinkInput.Resync(e.ReceivedTimestamp) : new TokenLinkInput.FromLink(e.Link, e.ReceivedTimestamp),
                inputs.Writer),
        };
        _ = Task.WhenAll(pumps).ContinueWith(t => inputs.Writer.TryComplete(t.Exception?.InnerException),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            _log.Information("token link: looking for {Matcher}, address {Address}", _options.Matcher, _options.Address);
            try { Coldplug(stop.Token, "coldplug"); }
            finally { _deferred.Flush(); }
            await foreach (var input in inputs.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                try { Handle(input, stop.Token); }
                finally { _deferred.Flush(); }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            stop.Cancel();
            try { await Task.WhenAll(pumps).ConfigureAwait(false); }
            catch (OperationCanceledException) { }
            lock (_subscribersLock)
            {
                Volatile.Write(ref _stopped, 1);
                foreach (var s in _subscribers) s.Writer.TryComplete();
            }
        }
    }

    private static async Task Pump<T>(IAsyncEnumerable<T> source, Func<T, TokenLinkInput> map, ChannelWriter<TokenLinkInput> writer)
    {
        try
        {
            await foreach (var item in source.ConfigureAwait(false))
                writer.TryWrite(map(item));
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Treats every existing link as if it had just appeared (start, and resynchronisation after an overrun).</summary>
    private void Coldplug(CancellationToken ct, string why)
    {
        List<LinkMessage> links;
        try
        {
            links = _client.DumpLinks(ct);
        }
        catch (Exception e) when (e is NetlinkException or NetlinkParseException)
        {
            _stepLog.Error("token link: {Why} link dump failed: {Error}", why, e.Message);
            return;
        }
        long now = Stopwatch.GetTimestamp();
        if (_tracked is not null && !links.Exists(l => l.ifi_index == _tracked.IfIndex))
            GoAbsent($"interface {_tracked.IfName} is gone ({why})");
        foreach (var l in links) OnLink(l, now, why);
    }

    private void Handle(TokenLinkInput input, CancellationToken ct)
    {
        switch (input)
        {
            case TokenLinkInput.FromUevent u: OnUevent(u.Event); break;
            case TokenLinkInput.FromLink l when l.Link.IsDelete: OnDelLink(l.Link); break;
            case TokenLinkInput.FromLink l: OnLink(l.Link, l.ReceivedTimestamp, "RTM_NEWLINK"); break;
            case TokenLinkInput.Resync: Coldplug(ct, "resync"); break;
        }
    }

    private void OnUevent(Uevent e)
    {
        if (e.Subsystem != "net" || e.IfIndex is not int ifIndex) return;
        if (e.Action == "add")
        {
            if (_tracked?.IfIndex == ifIndex)
                _tracked.AnnouncedTimestamp = Math.Min(_tracked.AnnouncedTimestamp, e.ReceivedTimestamp);
            // The uevent comes from device_add inside register_netdevice, before RTM_NEWLINK: acting on it
            // saves that gap. Our requests wait on the RTNL lock until registration is complete.
            else if (e.Interface is not null)
                Consider(ifIndex, e.Interface, 0, e.ReceivedTimestamp, "uevent");
        }
        else if (e.Action == "remove")
        {
            // The device is going away; link notifications still queued for it must not revive it.
            // ifindexes are allocated cyclically, so this entry does not shadow a new interface.
            Ignore(ifIndex);
            if (_tracked?.IfIndex == ifIndex) GoAbsent($"uevent remove for {e.Interface}");
        }
    }

    private void OnDelLink(LinkMessage l)
    {
        _ignored.Remove(l.ifi_index);
        if (_tracked?.IfIndex == l.ifi_index) GoAbsent($"RTM_DELLINK for {l.IfName ?? _tracked.IfName}");
    }

    private void OnLink(LinkMessage l, long timestamp, string source)
    {
        if (_tracked is { } t && t.IfIndex == l.ifi_index)
        {
            if (l.IfName is not null && l.IfName != t.IfName)
            {
                _stepLog.Information("token link: interface {Old} renamed to {New}", t.IfName, l.IfName);
                t.IfName = l.IfName;
            }
            // Notifications can be stale (queued before the dump or before our own requests), so they
            // only trigger a look at the link's current state, which is what the state machine acts on.
            LinkMessage? now;
            try { now = _client.GetLink(t.IfIndex); }
            catch (Exception e) when (e is NetlinkException or NetlinkParseException)
            {
                _stepLog.Warning("token link: reading the state of {If} failed: {Error}", t.IfName, e.Message);
                return;
            }
            if (now is null)
            {
                _stepLog.Debug("token link: {If} is being unregistered; waiting for RTM_DELLINK", t.IfName);
                return;
            }
            t.Flags = now.ifi_flags;
            Step();
            return;
        }
        if (l.IfName is null || l.ifi_type == RtnetlinkConstants.ARPHRD_LOOPBACK) return;
        Consider(l.ifi_index, l.IfName, l.ifi_flags, timestamp, source);
    }

    /// <summary>A new interface (from a uevent, a notification or a dump): is it the token? If so, track it.</summary>
    private void Consider(int ifIndex, string ifName, uint flags, long announced, string source)
    {
        if (_ignored.Contains(ifIndex)) return;
        var identity = _probe.Probe(ifName, out var why);
        if (identity is null || !_options.Matcher.Matches(identity, out why))
        {
            Ignore(ifIndex);
            var what = identity is null ? "" : $" ({identity})";
            _stepLog.Information("token link: ignoring {If}{What}: {Why}", ifName, what, why);
            return;
        }
        if (_tracked is not null)
        {
            Ignore(ifIndex);
            _stepLog.Warning("token link: ignoring {If} ({Identity}): it also matches, but {Tracked} is already the token",
                ifName, identity, _tracked.IfName);
            return;
        }
        _tracked = new TrackedLink(ifIndex, ifName, identity, announced) { Flags = flags };
        Transition(TokenLinkState.Present, $"{identity} found by {source}");
        Step();
    }

    /// <summary>
    /// Remembers an interface that is not the token. PID 1 runs for a long time: past the cap the set starts
    /// over, which costs one more sysfs look (and log line) per interface, nothing else.
    /// </summary>
    private void Ignore(int ifIndex)
    {
        if (_ignored.Count >= MaxIgnored) _ignored.Clear();
        _ignored.Add(ifIndex);
    }

    private const int MaxIgnored = 4096;

    /// <summary>
    /// Advances the tracked link as far as its flags allow. Requests (link up, add address) are synchronous
    /// rtnetlink transactions; their success is taken as the new fact, and later notifications correct us.
    /// </summary>
    private void Step()
    {
        var t = _tracked!;
        while (true)
        {
            var state = _current.State;
            switch (state)
            {
                case TokenLinkState.Present:
                    if (!t.IsUp && BringUp(t) != RequestResult.Done) return;
                    Transition(TokenLinkState.Up, "IFF_UP set");
                    break;
                case TokenLinkState.Up or TokenLinkState.Addressed or TokenLinkState.Ready when !t.IsUp:
                    // Down while we own it: an unplug in progress (unregister closes the device first) or
                    // someone set it down. Setting it up tells them apart: ENODEV means it is going away.
                    var up = BringUp(t);
                    if (up == RequestResult.Gone) return;
                    Transition(TokenLinkState.Present, "link went down");
                    if (up == RequestResult.Failed) return;
                    break;
                case TokenLinkState.Up:
                    bool added = false;
                    if (Request(() => added = _client.AddAddress(t.IfIndex, _options.Address), $"add {_options.Address}") != RequestResult.Done)
                        return;
                    Transition(TokenLinkState.Addressed, $"{_options.Address} {(added ? "added" : "was already there")}");
                    _stepLog.Information("token link: {If} configured {Address} {Ms:0.0} ms after it was announced",
                        t.IfName, _options.Address, Stopwatch.GetElapsedTime(t.AnnouncedTimestamp).TotalMilliseconds);
                    break;
                case TokenLinkState.Addressed:
                    if (!t.IsLowerUp) return;
                    Transition(TokenLinkState.Ready, "carrier up (IFF_LOWER_UP)");
                    break;
                case TokenLinkState.Ready:
                    if (!t.IsLowerUp) { Transition(TokenLinkState.Addressed, "carrier lost"); break; }
                    return;
                default:
                    return;
            }
        }
    }

    private RequestResult BringUp(TrackedLink t)
    {
        var r = Request(() => _client.SetLinkUp(t.IfIndex), "set link up");
        if (r == RequestResult.Done) t.Flags |= RtnetlinkConstants.IFF_UP;
        return r;
    }

    private enum RequestResult { Done, Gone, Failed }

    /// <summary>Runs one rtnetlink request; a kernel refusal is logged and retried on the next notification.</summary>
    private RequestResult Request(Action request, string what)
    {
        try
        {
            request();
            return RequestResult.Done;
        }
        catch (NetlinkException e) when (e.Errno == Errno.ENODEV)
        {
            // The interface is being unregistered (unplug): its RTM_DELLINK is on the way.
            _stepLog.Debug("token link: {What} on {If}: interface is going away ({Error})", what, _tracked?.IfName, e.Message);
            return RequestResult.Gone;
        }
        catch (Exception e) when (e is NetlinkException or NetlinkParseException)
        {
            _stepLog.Warning("token link: {What} on {If} failed: {Error}", what, _tracked?.IfName, e.Message);
            return RequestResult.Failed;
        }
    }

    private void GoAbsent(string reason)
    {
        Transition(TokenLinkState.Absent, reason);
        _tracked = null;
    }

    private void Transition(TokenLinkState to, string reason)
    {
        var t = _tracked;
        long now = Stopwatch.GetTimestamp();
        var e = new TokenLinkEvent(to, _current.State, t?.IfName, t?.IfIndex ?? 0, t?.Identity, DateTimeOffset.UtcNow, now,
            t is null ? null : Stopwatch.GetElapsedTime(t.AnnouncedTimestamp, now), reason);
        _stepLog.Information("token link: {Event}", e);
        lock (_subscribersLock)
        {
            Volatile.Write(ref _current, e);
            foreach (var s in _subscribers) s.Writer.TryWrite(e);
        }
    }

    /// <summary>Closes the sockets. Call after <see cref="RunAsync"/> has completed (cancel it first).</summary>
    public void Dispose()
    {
        _uevents.Dispose();
        _monitor.Dispose();
        _client.Dispose();
    }
}
