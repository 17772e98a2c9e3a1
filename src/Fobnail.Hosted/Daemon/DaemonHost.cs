using Fobnail.Hosted.DBus;
using Fobnail.Hosted.Systemd;
using Fobnail.Netlink.Token;
using Serilog;
using Tmds.DBus.Protocol;

namespace Fobnail.Hosted.Daemon;

/// <summary>What `fobnail-init daemon` runs: where the bus is, how to find the token, how to attest.</summary>
public sealed record DaemonOptions
{
    public string BusAddress { get; init; } = BusConnection.SystemAddress;
    public TokenLinkOptions Link { get; init; } = new();
    /// <summary>Tell NetworkManager (if it is on the bus) to leave the token's interface unmanaged.</summary>
    public bool NetworkManager { get; init; } = true;
}

/// <summary>
/// Wires the daemon together and runs it until SIGTERM (the cancellation token) or a fatal error. Start order:
/// netlink sockets (nothing is missed), bus connection, object, bus name (a second instance stops here with a
/// clear error), link manager + loop, then READY=1. The bus going away is fatal by decision: the daemon exits
/// with <see cref="BusLost"/> and systemd restarts it (Restart=on-failure), which re-registers the name and
/// re-attests; reconnecting in-process would need every client to notice the name owner changing anyway.
/// </summary>
public static class DaemonHost
{
    public const int Stopped = 0;
    public const int StartFailed = 1;
    public const int BusLost = 3;
    public const int LinkFailed = 4;

    public static async Task<int> RunAsync(DaemonOptions options, IPlatformAttester attester, ILogger log, CancellationToken ct)
    {
        SdNotify? notify;
        TimeSpan? watchdog;
        try
        {
            watchdog = Watchdog.PingInterval();
            notify = SdNotify.FromEnvironment();
        }
        catch (FormatException e)
        {
            log.Fatal("daemon: bad service manager environment: {Error}", e.Message);
            return StartFailed;
        }
        using (notify)
            return await RunAsync(options, attester, notify, watchdog, log, ct).ConfigureAwait(false);
    }

    private static async Task<int> RunAsync(DaemonOptions options, IPlatformAttester attester, SdNotify? notify, TimeSpan? watchdog, ILogger log, CancellationToken ct)
    {
        TokenLinkManager links;
        DBusConnection bus;
        try
        {
            links = TokenLinkManager.Open(options.Link, log);
        }
        catch (Exception e) when (e is Fobnail.Netlink.NetlinkException or IOException or UnauthorizedAccessException)
        {
            log.Fatal("daemon: cannot open the netlink sockets: {Error}", e.Message);
            return StartFailed;
        }
        using (links)
        {
            try { bus = await BusConnection.ConnectAsync(options.BusAddress).ConfigureAwait(false); }
            catch (BusUnavailableException e)
            {
                log.Fatal("daemon: {Error}", e.Message);
                return StartFailed;
            }
            using (bus)
            {
                // Subscribed before the link manager runs, so NetworkManager appearing later is not missed.
                NetworkManagerWatch? nm = null;
                try { if (options.NetworkManager) nm = await NetworkManagerWatch.StartAsync(bus, log).ConfigureAwait(false); }
                catch (DBusExceptionBase e)
                {
                    log.Fatal("daemon: cannot subscribe to NetworkManager's signals: {Error}", e.Message);
                    return StartFailed;
                }
                // Unsubscribed (and its loop ended) before the bus connection is disposed below.
                await using NetworkManagerWatch? nmScope = nm;
                var daemon = new AttesterDaemon(attester, log) { TokenInterfaceChanged = nm is null ? null : nm.SetTokenInterface };
                var obj = new AttesterObject(bus, daemon.AttestNowAsync, log);
                daemon.Bus = obj;
                bus.AddMethodHandler(obj);
                try { await BusConnection.OwnNameAsync(bus, AttesterBus.BusName).ConfigureAwait(false); }
                catch (Exception e) when (e is BusNameException or DBusExceptionBase)
                {
                    log.Fatal("daemon: {Error}", e.Message);
                    return StartFailed;
                }
                log.Information("daemon: {Name} on {Path} at {Address}", AttesterBus.BusName, AttesterBus.ObjectPath, options.BusAddress);

                using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
                IAsyncEnumerable<TokenLinkEvent> events = links.SubscribeAsync(stop.Token);
                Task linkTask = links.RunAsync(stop.Token);
                Task loopTask = daemon.RunAsync(events, stop.Token);
                Task<Exception?> disconnected = bus.DisconnectedAsync();
                Task watchdogTask = notify is not null && watchdog is { } interval
                    ? Watchdog.RunAsync(notify, interval, () => !linkTask.IsCompleted && !loopTask.IsCompleted, stop.Token)
                    : Task.CompletedTask;
                notify?.Ready("waiting for the Fobnail Token");

                Task first = await Task.WhenAny(disconnected, linkTask, loopTask, Task.Delay(Timeout.Infinite, ct)).ConfigureAwait(false);
                int code = Stopped;
                if (first == disconnected)
                {
                    Exception? why = await disconnected.ConfigureAwait(false);
                    log.Fatal("daemon: the D-Bus connection to {Address} was lost ({Error}); exiting so that systemd restarts the service",
                        options.BusAddress, why?.Message ?? "closed");
                    code = BusLost;
                }
                // A stop request (SIGTERM) cancels the link manager and the loop through the linked token too: whichever
                // of them WhenAny saw first, that is a stop, not a failure (seen: exit 4 on `systemctl stop`).
                else if ((first == linkTask || first == loopTask) && !ct.IsCancellationRequested)
                {
                    log.Fatal("daemon: the token link manager stopped: {Error}", first.Exception?.InnerException?.Message ?? "no error");
                    code = LinkFailed;
                }
                else
                {
                    log.Information("daemon: stopping");
                }
                notify?.Stopping(code == Stopped ? "stopping" : "failed");
                await stop.CancelAsync().ConfigureAwait(false);
                await Quietly(linkTask).ConfigureAwait(false);
                await Quietly(loopTask).ConfigureAwait(false);
                await Quietly(watchdogTask).ConfigureAwait(false);
                return code;
            }
        }
    }

    private static async Task Quietly(Task t)
    {
        try { await t.ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        catch (Exception) { /* already reported as the reason to stop */ }
    }
}
