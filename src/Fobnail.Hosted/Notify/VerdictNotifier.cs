using System.Threading.Channels;
using Fobnail.Hosted.DBus;
using Serilog;
using Tmds.DBus.Protocol;

namespace Fobnail.Hosted.Notify;

/// <summary>What `fobnail-init notify` runs: which buses.</summary>
public sealed record NotifierOptions
{
    public string SystemBusAddress { get; init; } = BusConnection.SystemAddress;
    /// <summary>The user's session bus: DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus (systemd's user bus).</summary>
    public string? SessionBusAddress { get; init; } = DefaultSessionAddress();

    public static string? DefaultSessionAddress() =>
        DBusAddress.Session ?? (Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } run ? $"unix:path={run}/bus" : null);
}

/// <summary>
/// The desktop side of hosted mode, run per logged-in user (dist/systemd/user/fobnail-notify.service): every
/// Verdict signal of org.fobnail.Attester1 on the system bus becomes a desktop notification through
/// org.freedesktop.Notifications on the user's session bus. A separate process because a notification belongs on
/// the user's session bus, which only that user may connect to: the system daemon (root, sandboxed) stays off
/// every session bus. Only the owner of org.fobnail.Attester1 is listened to (the match rule's sender; the bus
/// policy lets only root own it), and a new verdict replaces the previous notification. Either bus going away
/// ends the process with <see cref="BusLost"/> (Restart=on-failure); no notification server on the session bus is
/// logged and the next verdict tries again.
/// </summary>
public static class VerdictNotifier
{
    public const int Stopped = 0;
    public const int StartFailed = 1;
    public const int BusLost = 3;

    public const string AppName = "Fobnail";
    /// <summary>Longest verdict name accepted in a Verdict signal (the names are short constants).</summary>
    public const int MaxVerdictLength = 64;

    /// <summary>The latest time a Verdict signal may carry to be shown with it (9999-12-31, what DateTimeOffset holds); later ones are shown without.</summary>
    private const ulong MaxTimeUs = 253_402_300_799_999_000;

    /// <summary>One Verdict signal (org.fobnail.Attester1.xml): verdict name, detail line, time in µs since the epoch.</summary>
    public sealed record Verdict(string Name, string Detail, ulong TimeUs);

    /// <summary>How a verdict is shown: summary line, icon (freedesktop icon naming: security-*) and urgency.</summary>
    public static (string Summary, string Icon, NotificationsClient.Urgency Urgency) Describe(string verdict) => verdict switch
    {
        "TRUSTED" => ("This platform is trusted", "security-high", NotificationsClient.Urgency.Normal),
        "NOT_TRUSTED" => ("This platform is NOT trusted", "security-low", NotificationsClient.Urgency.Critical),
        // Unprovisioned, unreachable, protocol error: trust was not shown either way, which needs attention too.
        _ => ($"Attestation failed: {verdict}", "security-medium", NotificationsClient.Urgency.Critical),
    };

    public static async Task<int> RunAsync(NotifierOptions options, ILogger log, CancellationToken ct)
    {
        if (options.SessionBusAddress is not { } sessionAddress)
        {
            log.Fatal("notify: no session bus: neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR is set (run it as a user service of a logged-in user)");
            return StartFailed;
        }
        DBusConnection system, session;
        try { system = await BusConnection.ConnectAsync(options.SystemBusAddress).ConfigureAwait(false); }
        catch (BusUnavailableException e)
        {
            log.Fatal("notify: {Error}", e.Message);
            return StartFailed;
        }
        using (system)
        {
            try { session = await BusConnection.ConnectAsync(sessionAddress).ConfigureAwait(false); }
            catch (BusUnavailableException e)
            {
                log.Fatal("notify: {Error}", e.Message);
                return StartFailed;
            }
            using (session)
            {
                var verdicts = Channel.CreateUnbounded<Verdict>(new UnboundedChannelOptions { SingleReader = true });
                IDisposable match;
                try { match = await SubscribeAsync(system, verdicts.Writer, log).ConfigureAwait(false); }
                catch (DBusExceptionBase e)
                {
                    log.Fatal("notify: cannot subscribe to {Name}'s Verdict signal: {Error}", AttesterBus.BusName, e.Message);
                    return StartFailed;
                }
                using (match)
                {
                    log.Information("notify: showing {Name}'s verdicts from {System} on {Session}", AttesterBus.BusName, options.SystemBusAddress, sessionAddress);
                    using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    Task loop = ShowAllAsync(verdicts.Reader, new NotificationsClient(session), log, stop.Token);
                    Task<Exception?> systemLost = system.DisconnectedAsync(), sessionLost = session.DisconnectedAsync();
                    Task first = await Task.WhenAny(systemLost, sessionLost, loop, Task.Delay(Timeout.Infinite, ct)).ConfigureAwait(false);
                    int code = Stopped;
                    if (first == systemLost || first == sessionLost)
                    {
                        Exception? why = await ((Task<Exception?>)first).ConfigureAwait(false);
                        log.Fatal("notify: the {Bus} bus connection was lost ({Error}); exiting so that systemd restarts the service",
                            first == systemLost ? "system" : "session", why?.Message ?? "closed");
                        code = BusLost;
                    }
                    else if (first == loop && !ct.IsCancellationRequested)
                    {
                        log.Fatal("notify: stopped: {Error}", loop.Exception?.InnerException?.Message ?? "no error");
                        code = StartFailed;
                    }
                    await stop.CancelAsync().ConfigureAwait(false);
                    try { await loop.ConfigureAwait(false); }
                    catch (Exception) { /* cancelled, or already reported */ }
                    return code;
                }
            }
        }
    }

    private static ValueTask<IDisposable> SubscribeAsync(DBusConnection system, ChannelWriter<Verdict> verdicts, ILogger log) =>
        system.AddMatchAsync(
            new MatchRule
            {
                // The bus delivers only what the current owner of the well-known name sends.
                Type = MessageType.Signal, Sender = AttesterBus.BusName, Path = AttesterBus.ObjectPath,
                Interface = AttesterBus.Interface, Member = "Verdict",
            },
            static (Message m, object? _) =>
            {
                // A malformed signal is logged and dropped here: it must not end the subscription.
                try { return (ReadVerdict(m), (string?)null); }
                catch (BusFormatException e) { return ((Verdict?)null, e.Message); }
            },
            (Notification<(Verdict? Verdict, string? Error)> n) =>
            {
                if (!n.HasValue) return;
                if (n.Value.Verdict is { } v) verdicts.TryWrite(v);
                else log.Warning("notify: ignoring a Verdict signal: {Error}", n.Value.Error);
            },
            emitOnCapturedContext: false, ObserverFlags.None);

    /// <summary>Reads a Verdict signal's body (untrusted: exact signature, bounded strings).</summary>
    public static Verdict ReadVerdict(Message m)
    {
        BusArguments.ExpectSignature(m, "sst", "Verdict signal");
        Reader r = m.GetBodyReader();
        string name = BusArguments.ReadString(ref r, MaxVerdictLength, "Verdict verdict");
        string detail = BusArguments.ReadString(ref r, BusArguments.MaxStringLength, "Verdict detail");
        return new Verdict(name, detail, r.ReadUInt64());
    }

    private static async Task ShowAllAsync(ChannelReader<Verdict> verdicts, NotificationsClient notifications, ILogger log, CancellationToken ct)
    {
        uint shown = 0; // the notification a new verdict replaces
        bool absentLogged = false;
        await foreach (Verdict v in verdicts.ReadAllAsync(ct).ConfigureAwait(false))
        {
            var (summary, icon, urgency) = Describe(v.Name);
            string when = v.TimeUs is 0 or > MaxTimeUs ? "" : DateTimeOffset.FromUnixTimeMilliseconds((long)(v.TimeUs / 1000)).ToLocalTime().ToString("HH:mm:ss");
            string body = when.Length > 0 ? $"{v.Detail} ({when})" : v.Detail;
            try
            {
                // The body is markup for servers that say "body-markup": escape it there (the detail may carry a peer's text).
                if ((await notifications.GetCapabilitiesAsync().ConfigureAwait(false)).Contains("body-markup"))
                    body = NotificationsClient.EscapeMarkup(body);
                shown = await notifications.NotifyAsync(AppName, shown, icon, summary, body, urgency).ConfigureAwait(false);
                absentLogged = false;
                log.Information("notify: {Verdict} shown (notification {Id})", v.Name, shown);
            }
            catch (DBusErrorReplyException e) when (e.ErrorName is "org.freedesktop.DBus.Error.ServiceUnknown" or "org.freedesktop.DBus.Error.NameHasNoOwner")
            {
                if (!absentLogged) log.Warning("notify: no notification server on the session bus ({Error}); {Verdict} not shown", e.ErrorMessage, v.Name);
                absentLogged = true;
                shown = 0;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A refusal, a malformed reply, or whatever else one verdict brings: the next verdict is shown again.
                log.Warning("notify: {Verdict} not shown: {Error}", v.Name, e.Message);
            }
        }
    }
}
