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
    public async Task<DaemonVerdict> AttestAsync(CancellationToken ct)
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
            return new DaemonVerdict(attester.Attestation.Kind, attester.Attestation.Summary, attester.Platform?.IdHex);
        }
    }
}
