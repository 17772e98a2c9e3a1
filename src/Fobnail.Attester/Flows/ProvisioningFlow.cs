using Fobnail.Attester.Session;
using Fobnail.Tpm;
using Fobnail.Coap;
using Fobnail.Protocol;
using Serilog;

namespace Fobnail.Attester.Flows;

/// <summary>
/// Platform provisioning (§5.4, §11.5), top to bottom: ek → aik → ActivateCredential (TPM) → provision →
/// nonce+meta → nonce+rim → commit. Any failure ends the flow with a typed outcome; the token deletes its EK/AIK
/// objects at /provision whatever happens; the two retries inside the flow are for the token's missing
/// duplicate detection (a lost answer to /provision, a nonce replaced by a retransmitted nonce request).
/// </summary>
public sealed class ProvisioningFlow : TokenFlow
{
    public ProvisioningFlow(TokenSession session, ITpmTransport transport, ILogger? log = null) : base(session, transport, log) { }

    public Task<ProvisioningOutcome> RunAsync(ProvisioningInputs inputs, CancellationToken ct = default) => RunTimedAsync(() => RunStepsAsync(inputs, ct), ProvisioningOutcome.Failed);

    private async Task<ProvisioningOutcome> RunStepsAsync(ProvisioningInputs inputs, CancellationToken ct)
    {
        // (a)–(d) open a provisioning context. The token has no duplicate detection and deletes the EK and AIK
        // objects at /provision: if its answer is lost, our retransmission gets 4.04 although the context exists
        // (fobnail src/server/provisioning/mod.rs); and a client it purged has no EK object for /aik. Starting
        // over from the EK, once, recovers from either.
        uint pc = 0;
        for (int attempt = 1; pc == 0; attempt++)
        {
            // (a) the EK certificate chain: the token keeps the EK as object ek.
            CoapMessage a = await Session.PostCborAsync(FobnailPaths.ProvisionEk, new EkCertChain(inputs.EkChain).Encode(), ct).ConfigureAwait(false);
            if (a.Code == CoapCode.Forbidden)
                return Fail(ProvisioningResultKind.EkChainRejected, FobnailPaths.ProvisionEk, a);
            if (a.Code == CoapCode.NotFound)
                return Fail(ProvisioningResultKind.TokenNotProvisioned, FobnailPaths.ProvisionEk, a);
            TokenProtocolException.Expect(a, FobnailPaths.ProvisionEk, CoapCode.Created);
            uint ek = LocationPath.ObjectId(a, FobnailPaths.ProvisionEk);

            // (b) the AIK: the token answers a credential challenge bound to the EK.
            CoapMessage b = await Session.PostCborAsync(FobnailPaths.ProvisionAik, new AikRequest(inputs.AikPublic, ek).Encode(), ct).ConfigureAwait(false);
            if (b.Code == CoapCode.NotFound && attempt == 1)
            {
                // The EK object is gone: the token forgot this client (its 3 s idle purge, a reset) after (a).
                Log.Warning("{Path} answered 4.04: the token no longer has EK {Ek}; provisioning again from the EK certificate", FobnailPaths.ProvisionAik, ek);
                continue;
            }
            TokenProtocolException.Expect(b, FobnailPaths.ProvisionAik, CoapCode.Created);
            uint aik = LocationPath.ObjectId(b, FobnailPaths.ProvisionAik);
            AikChallenge challenge = AikChallenge.Decode(b.Payload);

            // (c) TPM2_ActivateCredential with the EK policy session (§7.4); the keep-alive covers its duration.
            byte[] secret = Keys.ActivateCredential(challenge.IdObject, challenge.EncSecret);

            // (d) the secret proves EK and AIK live in one TPM: the token opens provisioning context pc.
            CoapMessage d = await Session.PostCborAsync(FobnailPaths.Provision, new ProvisionRequest(ek, aik, secret).Encode(), ct).ConfigureAwait(false);
            if (d.Code == CoapCode.NotFound && attempt == 1)
            {
                Log.Warning("{Path} answered 4.04: the token had already used EK {Ek} and AIK {Aik} (its answer to an earlier transmission was lost?); provisioning again from the EK certificate",
                    FobnailPaths.Provision, ek, aik);
                continue;
            }
            TokenProtocolException.Expect(d, FobnailPaths.Provision, CoapCode.Created);
            pc = LocationPath.ObjectId(d, FobnailPaths.Provision);
        }
        CoapMessage r;

        // (e) signed metadata and RIM, each with a fresh nonce.
        string meta = FobnailPaths.ProvisionMeta(pc);
        r = await SignedUpload.PostAsync(Session, Keys, Log, meta, inputs.Platform.Bytes, ct).ConfigureAwait(false);
        TokenProtocolException.Expect(r, meta, CoapCode.Created, CoapCode.Changed);
        string rim = FobnailPaths.ProvisionRim(pc);
        r = await SignedUpload.PostAsync(Session, Keys, Log, rim, inputs.RimBytes, ct).ConfigureAwait(false);
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
