using Fobnail.Attester.Session;
using Fobnail.Tpm;
using Fobnail.Coap;
using Fobnail.Protocol;
using Serilog;

namespace Fobnail.Attester.Flows;

/// <summary>
/// Platform provisioning (§5.4, §11.5), top to bottom: ek → aik → ActivateCredential (TPM) → provision →
/// nonce+meta → nonce+rim → commit. Any failure ends the flow with a typed outcome; the token deletes its EK/AIK
/// objects at /provision whatever happens, so there are no retries inside the flow.
/// </summary>
public sealed class ProvisioningFlow : TokenFlow
{
    public ProvisioningFlow(TokenSession session, ITpmTransport transport, ILogger? log = null) : base(session, transport, log) { }

    public Task<ProvisioningOutcome> RunAsync(ProvisioningInputs inputs, CancellationToken ct = default) => RunTimedAsync(() => RunStepsAsync(inputs, ct), ProvisioningOutcome.Failed);

    private async Task<ProvisioningOutcome> RunStepsAsync(ProvisioningInputs inputs, CancellationToken ct)
    {
        // (a) the EK certificate chain: the token keeps the EK as object ek.
        CoapMessage r = await Session.PostCborAsync(FobnailPaths.ProvisionEk, new EkCertChain(inputs.EkChain).Encode(), ct).ConfigureAwait(false);
        if (r.Code == CoapCode.Forbidden)
            return Fail(ProvisioningResultKind.EkChainRejected, FobnailPaths.ProvisionEk, r);
        if (r.Code == CoapCode.NotFound)
            return Fail(ProvisioningResultKind.TokenNotProvisioned, FobnailPaths.ProvisionEk, r);
        TokenProtocolException.Expect(r, FobnailPaths.ProvisionEk, CoapCode.Created);
        uint ek = LocationPath.ObjectId(r, FobnailPaths.ProvisionEk);

        // (b) the AIK: the token answers a credential challenge bound to the EK.
        r = await Session.PostCborAsync(FobnailPaths.ProvisionAik, new AikRequest(inputs.AikPublic, ek).Encode(), ct).ConfigureAwait(false);
        TokenProtocolException.Expect(r, FobnailPaths.ProvisionAik, CoapCode.Created);
        uint aik = LocationPath.ObjectId(r, FobnailPaths.ProvisionAik);
        AikChallenge challenge = AikChallenge.Decode(r.Payload);

        // (c) TPM2_ActivateCredential with the EK policy session (§7.4); the keep-alive covers its duration.
        byte[] secret = Keys.ActivateCredential(challenge.IdObject, challenge.EncSecret);

        // (d) the secret proves EK and AIK live in one TPM: the token opens provisioning context pc.
        r = await Session.PostCborAsync(FobnailPaths.Provision, new ProvisionRequest(ek, aik, secret).Encode(), ct).ConfigureAwait(false);
        TokenProtocolException.Expect(r, FobnailPaths.Provision, CoapCode.Created);
        uint pc = LocationPath.ObjectId(r, FobnailPaths.Provision);

        // (e) signed metadata and RIM, each with a fresh nonce.
        string meta = FobnailPaths.ProvisionMeta(pc);
        r = await SignedUpload.PostAsync(Session, Keys, meta, inputs.Platform.Bytes, ct).ConfigureAwait(false);
        TokenProtocolException.Expect(r, meta, CoapCode.Created, CoapCode.Changed);
        string rim = FobnailPaths.ProvisionRim(pc);
        r = await SignedUpload.PostAsync(Session, Keys, rim, inputs.RimBytes, ct).ConfigureAwait(false);
        TokenProtocolException.Expect(r, rim, CoapCode.Created, CoapCode.Changed);

        // (f) commit: 4.03 = a platform with identical metadata is already provisioned.
        string commit = FobnailPaths.ProvisionCommit(pc);
        r = await Session.PostEmptyAsync(commit, ct).ConfigureAwait(false);
        if (r.Code == CoapCode.Forbidden)
            return Fail(ProvisioningResultKind.AlreadyProvisioned, commit, r);
        TokenProtocolException.Expect(r, commit, CoapCode.Changed);
        return new ProvisioningOutcome(ProvisioningResultKind.Provisioned, $"platform id {inputs.Platform.IdHex}", CoapCode.Changed);
    }

    private static ProvisioningOutcome Fail(ProvisioningResultKind kind, string path, CoapMessage r) =>
        new(kind, $"{path} answered {r.Code}", r.Code, TokenProtocolException.DiagnosticOf(r));
}
