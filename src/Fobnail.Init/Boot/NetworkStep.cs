using Fobnail.Init.Config;
using Fobnail.Netlink;
using Fobnail.Netlink.Matching;
using Fobnail.Netlink.Token;

namespace Fobnail.Init.Boot;

/// <summary>
/// Starts the token link manager (fobnail.match=, fobnail.addr=) as a PID 1 service and shares it through
/// the context (<c>context.Get&lt;TokenLinkManager&gt;()</c>), so the attester can wait for
/// <see cref="TokenLinkState.Ready"/> and notice the token leaving. Does not wait for the token itself.
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
        return Task.FromResult<StepOutcome>(new StepOutcome.Succeeded($"token link manager running (match {matcher}, address {options.Address})"));
    }
}
