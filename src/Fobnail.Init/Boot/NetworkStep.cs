using System.Diagnostics;
using Fobnail.Init.Config;
using Fobnail.Modules;
using Fobnail.Netlink;
using Fobnail.Netlink.Matching;
using Fobnail.Netlink.Token;

namespace Fobnail.Init.Boot;

/// <summary>
/// Starts the token link manager (fobnail.match=, fobnail.addr=) as a PID 1 service and shares it through
/// the context (<c>context.Get&lt;TokenLinkManager&gt;()</c>), so the attester can wait for
/// <see cref="TokenLinkState.Ready"/> and notice the token leaving. Does not wait for the token itself, but loads
/// the token's USB network drivers meanwhile, so a first plug is as quick as a replug.
/// </summary>
public sealed class NetworkStep : IBootStep
{
    public BootStep Id => BootStep.Network;

    public Task<StepOutcome> RunAsync(BootContext context, CancellationToken cancellationToken)
    {
        var log = context.Log;
        var config = context.Config;
        TokenMatcher matcher;
        try { matcher = TokenMatcher.Parse(string.Join(",", config.TokenMatch)); }
        catch (FormatException e) { return Task.FromResult<StepOutcome>(new StepOutcome.Failed($"fobnail.match: {e.Message}", e)); }
        if (config.HostPrefixLength is < 0 or > 32)
            return Task.FromResult<StepOutcome>(new StepOutcome.Failed($"fobnail.addr: prefix length {config.HostPrefixLength} is out of range"));

        var options = new TokenLinkOptions
        {
            Matcher = matcher,
            Address = new Ipv4Prefix(config.HostAddress, (byte)config.HostPrefixLength),
            SysfsRoot = context.SysRoot,
        };
        // Opening subscribes to uevents and link notifications now; the dump inside RunAsync then finds a
        // token that is already there (coldplug).
        var manager = TokenLinkManager.Open(options, log);
        context.TokenLink = manager;
        context.Services.Add(Task.Run(async () =>
        {
            try { await manager.RunAsync(cancellationToken).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.Error(e, "token link manager stopped: {Error}", e.Message);
            }
        }, CancellationToken.None));
        if (context.Modules is { } loader)
            context.Services.Add(Task.Run(() => PreloadTokenDriversAsync(loader, matcher, log, cancellationToken), CancellationToken.None));
        return Task.FromResult<StepOutcome>(new StepOutcome.Succeeded($"token link manager running (match {matcher}, address {options.Address})"));
    }

    /// <summary>
    /// Loads, while nobody waits for them yet, the modules the token's uevent would ask for (for the default
    /// match: mii, usbnet, cdc_eem) and the drivers the match names. On first plug the uevent's MODALIAS then
    /// finds them loaded (the loader shares attempts), which is what makes a replug quick.
    /// </summary>
    internal static async Task PreloadTokenDriversAsync(ModuleLoader loader, TokenMatcher matcher, Serilog.ILogger log, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        var loaded = new List<string>();
        try
        {
            foreach (string modalias in TokenModaliases(matcher))
                foreach (var result in await loader.LoadForModaliasAsync(modalias, ct).ConfigureAwait(false))
                    if (result.Succeeded) loaded.Add(result.Module);
            foreach (string driver in matcher.Drivers)
                if (await loader.LoadByNameAsync(driver, ct).ConfigureAwait(false) is { Succeeded: true } result) loaded.Add(result.Module);
            log.Information("token link: preloaded the token's drivers ({Modules}) in {Ms:0.0} ms",
                loaded.Count == 0 ? "none found" : string.Join(", ", loaded.Distinct()), Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// The USB interface modaliases a matching token would announce (usb:vVVVVpPPPPd0000dc00dsc00dp00icCCiscSSipPPin00),
    /// one per VID:PID and interface class of the match; a missing part is a wildcard-free zero.
    /// </summary>
    internal static IEnumerable<string> TokenModaliases(TokenMatcher matcher)
    {
        UsbId[] ids = matcher.Ids.Count > 0 ? [.. matcher.Ids] : [default];
        foreach (var id in ids)
            foreach (var c in matcher.Classes)
                yield return $"usb:v{id.idVendor:X4}p{id.idProduct:X4}d0000dc00dsc00dp00ic{c.bInterfaceClass:X2}isc{c.bInterfaceSubClass:X2}ip{c.bInterfaceProtocol:X2}in00";
    }
}
