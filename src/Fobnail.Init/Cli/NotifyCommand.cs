using System.CommandLine;
using Fobnail.Hosted.DBus;
using Fobnail.Hosted.Notify;
using Fobnail.Hosted.Systemd;
using Serilog.Events;

namespace Fobnail.Init.Cli;

/// <summary>
/// <c>notify</c>: the per-user desktop notifier of hosted mode (dist/systemd/user/fobnail-notify.service): the
/// daemon's Verdict signals on the system bus as desktop notifications on the user's session bus. All of it lives
/// in src/Fobnail.Hosted/Notify. Exit codes: see <see cref="VerdictNotifier"/>.
/// </summary>
internal static class NotifyCommand
{
    public const int UsageError = 2;

    public static Command Create()
    {
        var system = new Option<string>("--system-bus-address") { Description = "D-Bus address of the daemon's bus (default: the system bus)", DefaultValueFactory = _ => BusConnection.SystemAddress };
        var session = new Option<string?>("--session-bus-address") { Description = "D-Bus address of the notification server's bus (default: DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus)" };
        var logTo = CommonOptions.ServiceLog();
        var verbose = CommonOptions.ServiceVerbose();
        var command = new Command("notify", "Hosted mode, per user: show each verdict of the fobnail-init daemon as a desktop notification")
        {
            system, session, logTo, verbose,
        };
        command.SetAction(async (r, ct) =>
        {
            DaemonLogging.Target target;
            try { target = DaemonLogging.Parse(r.GetValue(logTo)!); }
            catch (FormatException e)
            {
                Console.Error.WriteLine(e.Message);
                return UsageError;
            }
            var options = new NotifierOptions
            {
                SystemBusAddress = r.GetValue(system)!,
                SessionBusAddress = r.GetValue(session) ?? NotifierOptions.DefaultSessionAddress(),
            };
            using var log = DaemonLogging.Create(target, r.GetValue(verbose) ? LogEventLevel.Debug : LogEventLevel.Information);
            using var stop = new StopSignals(ct);
            return await VerdictNotifier.RunAsync(options, log, stop.Token);
        });
        return command;
    }
}
