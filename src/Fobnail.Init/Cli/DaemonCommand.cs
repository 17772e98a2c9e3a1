using System.CommandLine;
using Fobnail.Attester.Flows;
using Fobnail.Attester.Platform;
using Fobnail.Attester.Session;
using Fobnail.Tpm;
using Fobnail.Hosted.DBus;
using Fobnail.Hosted.Daemon;
using Fobnail.Hosted.Systemd;
using Fobnail.Netlink;
using Fobnail.Netlink.Matching;
using Fobnail.Netlink.Token;
using Serilog.Events;

namespace Fobnail.Init.Cli;

/// <summary>
/// <c>daemon</c>: the hosted-mode service (dist/systemd/fobnail-init.service): watches for the token, attests on
/// every plug, serves org.fobnail.Attester1 on the system bus. All of it lives in src/Fobnail.Hosted; this file
/// only turns options into <see cref="DaemonOptions"/>. Exit codes: see <see cref="DaemonHost"/>.
/// </summary>
internal static class DaemonCommand
{
    public const int UsageError = 2;

    public static Command Create()
    {
        var bus = new Option<string>("--bus-address") { Description = "D-Bus address to serve on (default: the system bus)", DefaultValueFactory = _ => BusConnection.SystemAddress };
        var tpm = new Option<string>("--tpm") { Description = "TPM: device:/dev/tpmrm0 or swtpm:HOST:PORT", DefaultValueFactory = _ => TpmTransportSpec.Default };
        var token = new Option<string>("--token") { Description = "The token's CoAP endpoint", DefaultValueFactory = _ => TokenSessionOptions.DefaultToken };
        var match = new Option<string>("--match") { Description = "Which USB NIC is the token (as fobnail.match=)", DefaultValueFactory = _ => TokenMatcher.Default.ToString() };
        var address = new Option<string>("--address") { Description = "IPv4 address/prefix for the token interface", DefaultValueFactory = _ => Ipv4Prefix.Default.ToString() };
        var metadata = new Option<string?>("--metadata") { Description = "Metadata override file: key=value lines (mac, manufacturer, product_name, serial_number)" };
        var noNm = new Option<bool>("--no-network-manager") { Description = "Do not ask NetworkManager to leave the token's interface unmanaged" };
        var logTo = CommonOptions.ServiceLog();
        var verbose = CommonOptions.ServiceVerbose();
        var command = new Command("daemon", "Hosted mode: a systemd service that attests on every token plug and serves org.fobnail.Attester1 on D-Bus")
        {
            bus, tpm, token, match, address, metadata, noNm, logTo, verbose,
        };
        command.SetAction(async (r, ct) =>
        {
            DaemonOptions options;
            AttesterSettings settings;
            DaemonLogging.Target target;
            try
            {
                target = DaemonLogging.Parse(r.GetValue(logTo)!);
                TpmTransportSpec.Parse(r.GetValue(tpm)!);
                options = new DaemonOptions
                {
                    BusAddress = r.GetValue(bus)!,
                    Link = new TokenLinkOptions { Matcher = TokenMatcher.Parse(r.GetValue(match)!), Address = Ipv4Prefix.Parse(r.GetValue(address)!) },
                    NetworkManager = !r.GetValue(noNm),
                };
                settings = new AttesterSettings
                {
                    Token = TokenSession.ParseEndPoint(r.GetValue(token)!),
                    Metadata = r.GetValue(metadata) is { } path ? MetadataOverrides.ReadFile(path) : MetadataOverrides.None,
                };
            }
            catch (Exception e) when (e is FormatException or PlatformMetadataException)
            {
                Console.Error.WriteLine(e.Message);
                return UsageError;
            }
            using var log = DaemonLogging.Create(target, r.GetValue(verbose) ? LogEventLevel.Debug : LogEventLevel.Information);
            using var stop = new StopSignals(ct);
            return await DaemonHost.RunAsync(options, new TpmPlatformAttester(r.GetValue(tpm)!, settings, log), log, stop.Token);
        });
        return command;
    }
}
