using Fobnail.Attester.Flows;
using Fobnail.Attester.Platform;
using Fobnail.Tpm;
using Fobnail.Init.Config;
using Fobnail.Kexec;
using Fobnail.Netlink.Token;
using Serilog;

namespace Fobnail.Init.Boot;

/// <summary>
/// Attests the platform to the Fobnail Token and leaves an <see cref="AttestationVerdict"/> in the context for the
/// kexec step (fail-closed: only a Trusted outcome is a passed verdict). In order: wait (bounded by
/// fobnail.attest.wait, event-driven) for the token link to be Ready, open the TPM (fobnail.tpm), then run
/// <see cref="TokenAttester"/>: metadata (§6; fobnail.attest.mac for a machine without a PCI NIC), provisioning
/// when fobnail.provision asks for it, attestation. If the link leaves Ready during the flow, the flow is cancelled
/// and the step fails naming the link event. Every failure is a Failed outcome with a verdict that did not pass,
/// so the boot stops and the failure action runs.
/// </summary>
public sealed class AttestStep : IBootStep
{
    public BootStep Id => BootStep.Attest;

    public async Task<StepOutcome> RunAsync(BootContext context, CancellationToken cancellationToken)
    {
        ILogger log = context.Log;
        BootConfig config = context.Config;
        StepOutcome Fail(string reason, Exception? error = null)
        {
            context.Verdict = AttestationVerdict.Fail(reason);
            return new StepOutcome.Failed(reason, error);
        }

        TokenLinkManager? links = context.TokenLink;
        if (links is null)
            return Fail("no token link: the network step must run before attest (fobnail.steps=...,network,attest)");

        TokenLinkEvent ready;
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            wait.CancelAfter(TimeSpan.FromSeconds(config.AttestWaitSeconds));
            log.Information("attest: waiting up to {Seconds} s for the token (link {Link})", config.AttestWaitSeconds, links.Current);
            try { ready = await links.WaitForAsync(TokenLinkState.Ready, wait.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return Fail($"the token was not ready within {config.AttestWaitSeconds} s (fobnail.attest.wait); link: {Describe(links.Current)}");
            }
        }
        log.Information("attest: token link ready on {IfName}; talking to {Token}", ready.IfName, config.TokenEndpoint);

        ITpmTransport tpm;
        try { tpm = TpmTransportSpec.Parse(config.Tpm).Open(); }
        catch (Exception e) when (e is TpmException or FormatException or IOException or UnauthorizedAccessException)
        {
            return Fail($"cannot open the TPM {config.Tpm}: {e.Message}", e);
        }
        // Closed before the kexec step opens the TPM again to extend PCRs.
        using (tpm)
        {
            using var linkLost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            TokenLinkEvent? lost = null;
            Task watch = WatchLinkAsync(links, e => { lost = e; linkLost.Cancel(); }, linkLost.Token);
            try
            {
                string? secretFailure = null;
                AttestationOutcome outcome = await ProvisionAndAttestAsync(tpm, context, linkLost.Token,
                    async trusted => secretFailure = await TokenSecrets.FetchAsync(trusted, context, linkLost.Token).ConfigureAwait(false)).ConfigureAwait(false);
                // A flow may report the lost token as unreachable before it notices the cancellation, or even
                // before the link watcher has seen the event (the address was gone when the client bound to it):
                // give the watcher a moment, the link event is the better reason.
                if (outcome.Kind == AttestationVerdictKind.TokenUnreachable && lost is null)
                {
                    try { await Task.Delay(TimeSpan.FromSeconds(2), linkLost.Token).ConfigureAwait(false); }
                    catch (OperationCanceledException) { }
                }
                if (!outcome.IsTrusted && lost is { } left)
                    return Fail($"the token went away during attestation ({left}); {outcome.Summary}");
                if (!outcome.IsTrusted)
                    return Fail(outcome.Summary);
                if (secretFailure is not null)
                    return Fail(secretFailure);
                context.Verdict = AttestationVerdict.Pass(outcome.Summary);
                return new StepOutcome.Succeeded(outcome.Summary);
            }
            catch (OperationCanceledException) when (lost is { } gone && !cancellationToken.IsCancellationRequested)
            {
                return Fail($"the token went away during attestation ({gone})");
            }
            finally
            {
                await linkLost.CancelAsync().ConfigureAwait(false);
                try { await watch.ConfigureAwait(false); }
                catch (OperationCanceledException) { /* the watch ends by cancellation */ }
            }
        }
    }

    /// <summary>Calls <paramref name="onLost"/> with the first link event that is not Ready (unplug, carrier loss, address gone).</summary>
    private static async Task WatchLinkAsync(TokenLinkManager links, Action<TokenLinkEvent> onLost, CancellationToken ct)
    {
        await foreach (TokenLinkEvent e in links.SubscribeAsync(ct).ConfigureAwait(false))
        {
            if (e.State == TokenLinkState.Ready) continue;
            onLost(e);
            return;
        }
    }

    /// <summary>
    /// fobnail.provision=1: provision, then attest. =unknown: attest; if the token does not know the platform,
    /// provision and attest once more. =0: attest only. <paramref name="whileTrusted"/> runs on the session that
    /// attested as Trusted, before it is closed (FTS: fobnail.secret).
    /// </summary>
    private static async Task<AttestationOutcome> ProvisionAndAttestAsync(ITpmTransport tpm, BootContext context, CancellationToken ct, Func<TokenAttester, Task> whileTrusted)
    {
        BootConfig config = context.Config;
        var settings = new AttesterSettings
        {
            Token = config.TokenEndpoint,
            LocalAddress = config.HostAddress,
            Provision = config.Provision == BootConfig.ProvisionMode.Always,
            EkChainDirectory = config.AttestEkChain,
            Metadata = config.AttestMac is { } mac ? new MetadataOverrides(Mac: mac) : MetadataOverrides.None,
            SysfsRoot = context.SysRoot,
            Session = new() { Deadline = TimeSpan.FromSeconds(config.AttestTimeoutSeconds) },
        };
        if (config.Provision == BootConfig.ProvisionMode.WhenUnknown && !AikExists(tpm, context.Log))
        {
            // Without an AIK no token can know this platform: attesting first could only fail.
            context.Log.Information("attest: no AIK at 0x{Handle:X8} in the TPM, so no token knows this platform; provisioning it (fobnail.provision=unknown)", TpmRh.FobnailAik);
            settings = settings with { Provision = true };
        }
        AttestationOutcome outcome;
        await using (TokenAttester first = await TokenAttester.RunAsync(tpm, settings, context.Log, ct).ConfigureAwait(false))
        {
            outcome = first.Attestation;
            if (outcome.IsTrusted) await whileTrusted(first).ConfigureAwait(false);
        }
        if (outcome.Kind != AttestationVerdictKind.PlatformNotProvisioned || config.Provision != BootConfig.ProvisionMode.WhenUnknown)
            return outcome;
        context.Log.Information("attest: the token does not know this platform; provisioning it (fobnail.provision=unknown)");
        await using TokenAttester second = await TokenAttester.RunAsync(tpm, settings with { Provision = true }, context.Log, ct).ConfigureAwait(false);
        if (second.Attestation.IsTrusted) await whileTrusted(second).ConfigureAwait(false);
        return second.Attestation;
    }

    /// <summary>Is the AIK persisted? A TPM failure here counts as "no" (provisioning then reports the TPM error).</summary>
    private static bool AikExists(ITpmTransport tpm, ILogger log)
    {
        try { return new TpmAttestationKeys(tpm, log).IsPersisted(TpmRh.FobnailAik); }
        catch (TpmException e)
        {
            log.Warning("attest: cannot list the TPM's persistent objects: {Error}", e.Message);
            return false;
        }
    }

    /// <summary>
    /// The link for a log line: before its first change the manager's state is only its starting snapshot
    /// ("Absent -> Absent: not started" while it runs), which says no more than that no token interface appeared.
    /// </summary>
    private static string Describe(TokenLinkEvent link) =>
        link is { State: TokenLinkState.Absent, Previous: TokenLinkState.Absent, IfIndex: 0 }
            ? "Absent (no matching USB network interface has appeared)"
            : link.ToString();
}
