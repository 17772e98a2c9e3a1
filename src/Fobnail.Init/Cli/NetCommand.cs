using System.CommandLine;
using System.Diagnostics;
using Fobnail.Init.Logging;
using Fobnail.Netlink;
using Fobnail.Netlink.Matching;
using Fobnail.Netlink.Token;
using Fobnail.Netlink.Uevents;
using Serilog.Events;

namespace Fobnail.Init.Cli;

/// <summary><c>net watch</c>: follow kernel uevents and the token link state machine, live.</summary>
internal static class NetCommand
{
    public static Command Create()
    {
        var command = new Command("net", "Token network link: uevents, rtnetlink, interface configuration");

        var match = new Option<string>("--match")
        {
            Description = "Which USB NIC is the token: VID:PID, interface class cc/ss/pp and/or driver names, comma-separated; all given kinds must match",
            DefaultValueFactory = _ => TokenMatcher.Default.ToString(),
        };
        var address = new Option<string>("--address")
        {
            Description = "IPv4 address/prefix to put on the token interface",
            DefaultValueFactory = _ => Ipv4Prefix.Default.ToString(),
        };
        var count = new Option<int?>("--count") { Description = "Exit after this many token link state changes" };
        var timeout = CommonOptions.OptionalSeconds("--timeout",
            $"Exit after this many seconds (exit code {ExitCodes.TimedOut} if --count was not reached)", 0, 30 * 86400);
        var sysfs = new Option<string>("--sysfs") { Description = "sysfs root used to identify USB devices", DefaultValueFactory = _ => "/sys" };
        var quiet = new Option<bool>("--no-uevents") { Description = "Do not print every uevent, only token link changes" };
        var verbose = CommonOptions.Verbose();

        var watch = new Command("watch", "Print uevents and token link state changes as they happen (Ctrl-C stops)")
        {
            match, address, count, timeout, sysfs, quiet, verbose,
        };
        watch.SetAction(async (result, ct) =>
        {
            TokenMatcher matcher;
            Ipv4Prefix prefix;
            try
            {
                matcher = TokenMatcher.Parse(result.GetValue(match)!);
                prefix = Ipv4Prefix.Parse(result.GetValue(address)!);
            }
            catch (FormatException e)
            {
                Console.Error.WriteLine(e.Message);
                return ExitCodes.Usage;
            }
            using var log = LogSetup.CreateForCli(result.GetValue(verbose) ? LogEventLevel.Debug : LogEventLevel.Information);
            var options = new TokenLinkOptions { Matcher = matcher, Address = prefix, SysfsRoot = result.GetValue(sysfs)! };
            return await WatchAsync(options, result.GetValue(count), result.GetValue(timeout), !result.GetValue(quiet), log, ct)
                .ConfigureAwait(false);
        });
        command.Subcommands.Add(watch);
        return command;
    }

    private static async Task<int> WatchAsync(TokenLinkOptions options, int? count, double? timeoutSeconds, bool printUevents,
        Serilog.ILogger log, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (timeoutSeconds is { } t) cts.CancelAfter(TimeSpan.FromSeconds(t));
        var start = Stopwatch.GetTimestamp();
        string Stamp() => $"[{Stopwatch.GetElapsedTime(start).TotalSeconds,9:0.000}]";
        var output = new Lock();
        void Print(string line)
        {
            lock (output) Console.Out.WriteLine($"{Stamp()} {line}");
        }

        try
        {
            using var uevents = printUevents ? UeventListener.Open(log) : null;
            using var manager = TokenLinkManager.Open(options, log);
            // Subscribe before running: the coldplug dump inside RunAsync may already produce transitions.
            var changes = manager.SubscribeAsync(cts.Token);
            var run = manager.RunAsync(cts.Token);
            var printer = uevents is null ? Task.CompletedTask : Task.Run(async () =>
            {
                await foreach (var e in uevents.ListenAsync(cts.Token).ConfigureAwait(false)) Print($"uevent {e}");
            }, CancellationToken.None);

            int seen = 0;
            bool reached = false;
            try
            {
                await foreach (var e in changes.ConfigureAwait(false))
                {
                    if (e.Reason == "not started") continue; // the snapshot before the first transition
                    Print($"token {e}");
                    if (count is { } c && ++seen >= c)
                    {
                        reached = true;
                        break;
                    }
                }
            }
            catch (OperationCanceledException) { }
            cts.Cancel();
            try { await Task.WhenAll(run, printer).ConfigureAwait(false); }
            catch (OperationCanceledException) { }
            if (count is not null && !reached) return ct.IsCancellationRequested ? ExitCodes.Interrupted : ExitCodes.TimedOut;
            return ExitCodes.Ok;
        }
        catch (NetlinkException e)
        {
            log.Error("net watch: {Error}", e.Message);
            return ExitCodes.Failed;
        }
    }
}
