using Fobnail.Attester.Platform;
using Fobnail.Attester.Session;
using Fobnail.Tpm;
using Fobnail.Coap;
using Fobnail.Protocol;
using Serilog;

namespace Fobnail.Attester.Flows;

/// <summary>
/// Attestation (§5.5, §11.6), top to bottom: nonce+attest (signed metadata) → TPM2_Quote with the returned
/// nonce and banks (sizeofSelect 3) → attest/{ac} → verdict. 4.04 on /attest is told apart into "platform not
/// provisioned" and "token not provisioned" with a side-effect-free probe (<see cref="ProbeTokenProvisionedAsync"/>).
/// </summary>
public sealed class AttestationFlow : TokenFlow
{
    public AttestationFlow(TokenSession session, ITpmTransport transport, ILogger? log = null) : base(session, transport, log) { }

    public Task<AttestationOutcome> RunAsync(PlatformIdentity platform, CancellationToken ct = default) => RunTimedAsync(() => RunStepsAsync(platform, ct), AttestationOutcome.Failed);

    private async Task<AttestationOutcome> RunStepsAsync(PlatformIdentity platform, CancellationToken ct)
    {
        // 1. nonce + signed metadata: the token answers with the quote nonce and the policy's banks.
        CoapMessage r = await SignedUpload.PostAsync(Session, Keys, Log, FobnailPaths.Attest, platform.Bytes, ct).ConfigureAwait(false);
        if (r.Code == CoapCode.NotFound)
        {
            bool tokenProvisioned = await ProbeTokenProvisionedAsync(Session, ct).ConfigureAwait(false);
            return tokenProvisioned
                ? new AttestationOutcome(AttestationVerdictKind.PlatformNotProvisioned, $"platform id {platform.IdHex} unknown", r.Code, TokenProtocolException.DiagnosticOf(r))
                : new AttestationOutcome(AttestationVerdictKind.TokenNotProvisioned, "token_provision is still open", r.Code, TokenProtocolException.DiagnosticOf(r));
        }
        if (r.Code != CoapCode.Created)
            throw new TokenProtocolException(FobnailPaths.Attest, r, "expected 2.01");
        uint ac = LocationPath.ObjectId(r, FobnailPaths.Attest);
        // The token sends an indefinite-length map here (§4): decode leniently.
        QuoteRequest request = QuoteRequest.Decode(r.Payload);
        if (request.Nonce.Length != ProtocolLimits.QuoteNonceSize)
            throw new TokenProtocolException(FobnailPaths.Attest, $"quote nonce is {request.Nonce.Length} bytes, not {ProtocolLimits.QuoteNonceSize}");

        // 2. TPM2_Quote over the token's banks with its nonce.
        QuoteResponse quote = Keys.Quote(request.Nonce, Selection(request.Banks));
        if (!quote.Quoted.ClockInfo.Safe)
            Log.Warning("TPMS_CLOCK_INFO.safe is 0 in this quote: the token will reject it (§7.6)");

        // 3. The evidence: data = TPMS_ATTEST without its TPM2B size; the signature covers SHA-256(data), no nonce (§5.5).
        string path = FobnailPaths.AttestContext(ac);
        var evidence = new SignedObject(quote.Quoted.Bytes, quote.Signature.Signature);
        r = await Session.PostCborAsync(path, evidence.Encode(), ct).ConfigureAwait(false);
        if (r.Code == CoapCode.Changed)
            return new AttestationOutcome(AttestationVerdictKind.Trusted, $"platform id {platform.IdHex}", r.Code);
        if (r.Code == CoapCode.Forbidden)
            return new AttestationOutcome(AttestationVerdictKind.NotTrusted, "PCRs differ from the provisioned RIM or the quote was refused", r.Code, TokenProtocolException.DiagnosticOf(r));
        throw new TokenProtocolException(path, r, "expected 2.04 or 4.03");
    }

    /// <summary>The token's policy banks as a TPML_PCR_SELECTION, in the given order, sizeofSelect 3 (§7.6).</summary>
    public static TpmlPcrSelection Selection(IReadOnlyList<BankSelection> banks) =>
        new(banks.Select(b => TpmsPcrSelection.FromBitmap((TpmAlgId)b.AlgoId, b.Pcrs)).ToArray());

    /// <summary>
    /// Is the token provisioned by its owner? POST /admin/token_provision with an empty CBOR body: a provisioned
    /// token answers 4.04 before looking at the payload; an unprovisioned one fails to decode it (4.00) and keeps
    /// no state (§5.3 pre-checks, in that order).
    /// </summary>
    public static async Task<bool> ProbeTokenProvisionedAsync(TokenSession session, CancellationToken ct)
    {
        CoapMessage r = await session.PostCborAsync(FobnailPaths.TokenProvision, [], ct).ConfigureAwait(false);
        return r.Code == CoapCode.NotFound;
    }
}
