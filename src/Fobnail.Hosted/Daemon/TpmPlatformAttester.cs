using Fobnail.Attester.Flows;
using Fobnail.Tpm;
using Serilog;

namespace Fobnail.Hosted.Daemon;

/// <summary>
/// The real attester: opens the TPM for each attestation (and closes it after, so `tpm2_*` tools and the kexec
/// measurement can use it between plugs) and runs the existing <see cref="TokenAttester"/> (attest only; the
/// platform is provisioned once with `fobnail-init attest --provision`).
/// </summary>
public sealed class TpmPlatformAttester(string tpmSpec, AttesterSettings settings, ILogger log) : IPlatformAttester
{
    /// <summary>How long an attestation waits for the platform metadata to become readable (see below).</summary>
    public TimeSpan MetadataWait { get; init; } = TimeSpan.FromSeconds(30);

    public async Task<DaemonVerdict> AttestAsync(CancellationToken ct)
    {
        // At boot the token can be Ready before udev has brought up the platform's own NIC, whose MAC is part of
        // the metadata: that fails before the token is asked anything. Wait for it (bounded) instead of
        // publishing a protocol error for a platform that is simply still starting.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            DaemonVerdict v = await AttestOnceAsync(ct).ConfigureAwait(false);
            if (!v.MetadataUnreadable || waited.Elapsed >= MetadataWait) return v;
            log.Information("platform metadata not readable yet ({Detail}); trying again in 1 s", v.Detail);
            await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
        }
    }

    private async Task<DaemonVerdict> AttestOnceAsync(CancellationToken ct)
    {
        ITpmTransport tpm;
        try { tpm = TpmTransportSpec.Parse(tpmSpec).Open(); }
        catch (Exception e) when (e is TpmException or FormatException or IOException or UnauthorizedAccessException)
        {
            return new DaemonVerdict(AttestationVerdictKind.ProtocolError, $"cannot open the TPM {tpmSpec}: {e.Message}", null);
        }
        using (tpm)
        {
            await using TokenAttester attester = await TokenAttester.RunAsync(tpm, settings, log, ct).ConfigureAwait(false);
            return new DaemonVerdict(attester.Attestation.Kind, attester.Attestation.Summary, attester.Platform?.IdHex)
            {
                MetadataUnreadable = attester.Platform is null && attester.Attestation.Kind == AttestationVerdictKind.ProtocolError,
            };
        }
    }
}
