using System.Threading.Channels;
using Serilog;
using Tmds.DBus.Protocol;

namespace Fobnail.Hosted.DBus;

/// <summary>
/// Keeps NetworkManager's hands off the token's interface for as long as the daemon runs, whenever NetworkManager
/// is on the bus: when the token interface appears, when NetworkManager appears later (it starts after the daemon
/// at boot: NameOwnerChanged on the bus daemon) or comes back after a restart (a new NetworkManager forgets the
/// Managed=false of the old one), and when NetworkManager adds a device while the token's is still unknown to it
/// (NetworkManager owns its bus name before it has exported its objects and enumerated the interfaces:
/// GetDeviceByIpIface then fails with UnknownMethod or UnknownDevice, and its DeviceAdded signal says when to ask
/// again). A DeviceAdded can come before the answer that made the watch wait for one (NetworkManager exports its
/// objects and devices while the first call is under way), and a Set can fail while the device is still being
/// set up, so an unsettled interface is also asked about again on a timer (<see cref="RetryDelays"/>, then every
/// last delay) for as long as NetworkManager is on the bus. NetworkManager not on the bus is no error: logged once
/// per absence, nothing else is done. Everything runs on one loop, in the order the events came.
/// </summary>
public sealed class NetworkManagerWatch : IAsyncDisposable
{
    private const string BusDaemon = "org.freedesktop.DBus";

    private abstract record Event;
    /// <summary>The token's interface appeared (its name) or went away (null).</summary>
    private sealed record TokenInterface(string? IfName) : Event;
    /// <summary>NetworkManager's bus name got a new owner (NetworkManager started) or lost it ("").</summary>
    private sealed record OwnerChanged(string NewOwner) : Event;
    private sealed record DeviceAdded : Event;
    /// <summary>The retry timer set after ask number <paramref name="Ask"/> fired (stale when another ask came since).</summary>
    private sealed record Retry(int Ask) : Event;

    /// <summary>
    /// The waits before asking NetworkManager again about an interface it did not take as unmanaged; the last one
    /// repeats. Short first: NetworkManager needs seconds, not minutes, to export what it enumerated at start-up.
    /// </summary>
    public static readonly IReadOnlyList<TimeSpan> RetryDelays =
        [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30)];

    private readonly NetworkManagerClient _client;
    private readonly ILogger _log;
    private readonly Channel<Event> _events = Channel.CreateUnbounded<Event>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<IDisposable> _matches = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly IReadOnlyList<TimeSpan> _retryDelays;
    private Task _loop = Task.CompletedTask;

    private NetworkManagerWatch(DBusConnection connection, ILogger log, IReadOnlyList<TimeSpan> retryDelays)
    {
        _client = new NetworkManagerClient(connection);
        _log = log;
        _retryDelays = retryDelays;
    }

    /// <summary>
    /// Subscribes to the signals (before anything can be missed) and starts the loop. <paramref name="retryDelays"/>:
    /// <see cref="RetryDelays"/> unless a test needs other ones (empty: no timer, events only).
    /// </summary>
    public static async Task<NetworkManagerWatch> StartAsync(DBusConnection connection, ILogger log, IReadOnlyList<TimeSpan>? retryDelays = null)
    {
        var watch = new NetworkManagerWatch(connection, log, retryDelays ?? RetryDelays);
        try
        {
            watch._matches.Add(await connection.AddMatchAsync(
                new MatchRule
                {
                    Type = MessageType.Signal, Sender = BusDaemon, Path = "/org/freedesktop/DBus", Interface = BusDaemon,
                    Member = "NameOwnerChanged", Arg0 = NetworkManagerClient.BusName,
                },
                static (Message m, object? _) =>
                {
                    BusArguments.ExpectSignature(m, "sss", "NameOwnerChanged");
                    Reader r = m.GetBodyReader();
                    BusArguments.ReadString(ref r, BusArguments.MaxNameLength, "NameOwnerChanged name");
                    BusArguments.ReadString(ref r, BusArguments.MaxNameLength, "NameOwnerChanged old owner");
                    return BusArguments.ReadString(ref r, BusArguments.MaxNameLength, "NameOwnerChanged new owner");
                },
                (Notification<string> n) =>
                {
                    if (n.HasValue) watch._events.Writer.TryWrite(new OwnerChanged(n.Value));
                },
                emitOnCapturedContext: false, ObserverFlags.None).ConfigureAwait(false));
            watch._matches.Add(await connection.AddMatchAsync(
                new MatchRule
                {
                    Type = MessageType.Signal, Sender = NetworkManagerClient.BusName, Path = NetworkManagerClient.ObjectPath,
                    Interface = NetworkManagerClient.Interface, Member = "DeviceAdded",
                },
                static (Message m, object? _) => true,
                (Notification<bool> n) =>
                {
                    if (n.HasValue) watch._events.Writer.TryWrite(new DeviceAdded());
                },
                emitOnCapturedContext: false, ObserverFlags.None).ConfigureAwait(false));
        }
        catch
        {
            await watch.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        watch._loop = watch.RunAsync(watch._stop.Token);
        return watch;
    }

    /// <summary>The token's interface appeared (<paramref name="ifName"/>) or went away (null).</summary>
    public void SetTokenInterface(string? ifName) => _events.Writer.TryWrite(new TokenInterface(ifName));

    private async Task RunAsync(CancellationToken ct)
    {
        string? ifName = null;
        bool settled = false;      // ifName is unmanaged in the NetworkManager on the bus now
        bool absentLogged = false; // "not on the bus" said since NetworkManager was last seen
        int asks = 0;              // asks so far: names the retry timer set after the last one
        int unanswered = 0;        // asks in a row that NetworkManager did not settle: picks the next delay
        try
        {
            await foreach (Event e in _events.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                switch (e)
                {
                    case Retry r when r.Ask != asks:
                        continue; // an event asked in between: that ask set its own timer
                    case TokenInterface t:
                        ifName = t.IfName;
                        settled = false;
                        unanswered = 0;
                        break;
                    case OwnerChanged { NewOwner: "" }:
                        settled = false;
                        _log.Information("NetworkManager left the bus");
                        continue;
                    case OwnerChanged o:
                        settled = false;
                        absentLogged = false;
                        unanswered = 0;
                        _log.Information("NetworkManager is on the bus ({Owner})", o.NewOwner);
                        break;
                }
                if (ifName is null || settled) continue;
                bool again = true; // NetworkManager is on the bus but did not take the interface as unmanaged
                try
                {
                    var (result, device) = await _client.SetUnmanagedAsync(ifName).ConfigureAwait(false);
                    again = result is NetworkManagerClient.Result.NotReady or NetworkManagerClient.Result.UnknownDevice;
                    switch (result)
                    {
                        case NetworkManagerClient.Result.Unmanaged:
                            settled = true;
                            _log.Information("NetworkManager: {IfName} ({Device}) set unmanaged", ifName, device);
                            break;
                        case NetworkManagerClient.Result.NotRunning when !absentLogged:
                            absentLogged = true;
                            _log.Information("NetworkManager is not on the bus: nothing to tell it about {IfName} (it is told when it appears)", ifName);
                            break;
                        case NetworkManagerClient.Result.NotRunning:
                            _log.Debug("NetworkManager is still not on the bus; {IfName} left alone", ifName);
                            break;
                        case NetworkManagerClient.Result.NotReady:
                            _log.Debug("NetworkManager has not exported its objects yet; asking again when it adds a device, or after a while");
                            break;
                        case NetworkManagerClient.Result.UnknownDevice:
                            _log.Debug("NetworkManager does not know {IfName} yet; asking again when it adds a device, or after a while", ifName);
                            break;
                    }
                }
                catch (Exception x) when (x is not OperationCanceledException)
                {
                    // Not fatal: the link manager still configures the address; NetworkManager may fight it (logged).
                    _log.Warning("NetworkManager: could not set {IfName} unmanaged: {Error}", ifName, x.Message);
                }
                asks++;
                unanswered = again ? unanswered + 1 : 0;
                if (again && _retryDelays.Count > 0)
                    ScheduleRetry(asks, _retryDelays[Math.Min(unanswered, _retryDelays.Count) - 1], ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private void ScheduleRetry(int ask, TimeSpan delay, CancellationToken ct) =>
        _ = Task.Delay(delay, ct).ContinueWith(
            (t, state) => { if (t.IsCompletedSuccessfully) ((NetworkManagerWatch)state!)._events.Writer.TryWrite(new Retry(ask)); },
            this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    public async ValueTask DisposeAsync()
    {
        _events.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        try { await _loop.ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        foreach (IDisposable m in _matches) m.Dispose();
        _stop.Dispose();
    }
}
