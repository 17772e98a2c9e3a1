using Fobnail.Attester.Session;
using Fobnail.Tpm;
using Fobnail.Coap;
using Fobnail.Protocol;
using Serilog;

namespace Fobnail.Attester.Flows;

/// <summary>
/// Platform provisioning (§5.4, §11.5) as a state machine: ek → aik → ActivateCredential (TPM) → provision →
/// nonce+meta → nonce+rim → commit. Any failure ends the flow with a typed outcome; the token deletes its EK/AIK
/// objects at /provision whatever happens, so there are no retries inside the flow.
/// </summary>
public sealed class ProvisioningFlow : TokenFlow
{
    private enum State { PostEk, PostAik, Activate, PostProvision, PostMeta, PostRim, Commit, Done }

    public ProvisioningFlow(TokenSession session, ITpmTransport transport, ILogger? log = null) : base(session, transport, log) { }

    public Task<ProvisioningOutcome> RunAsync(ProvisioningInputs inputs, CancellationToken ct = default) => RunTimedAsync(
        () => RunStatesAsync(inputs, ct),
        f => f.Unreachable ? new ProvisioningOutcome(ProvisioningResultKind.TokenUnreachable, f.Detail) : new ProvisioningOutcome(ProvisioningResultKind.ProtocolError, f.Detail, f.Code, f.Diagnostic),
        (o, elapsed) => o with { Elapsed = elapsed },
        o => o.Summary);

    private async Task<ProvisioningOutcome> RunStatesAsync(ProvisioningInputs inputs, CancellationToken ct)
    {
        uint ek = 0, aik = 0, pc = 0;
        AikChallenge? challenge = null;
        byte[] secret = [];
        var state = State.PostEk;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            switch (state)
            {
                case State.PostEk:
                {
                    CoapMessage r = await Session.PostCborAsync(FobnailPaths.ProvisionEk, new EkCertChain(inputs.EkChain).Encode(), ct).ConfigureAwait(false);
                    if (r.Code == CoapCode.Forbidden)
                        return Fail(ProvisioningResultKind.EkChainRejected, FobnailPaths.ProvisionEk, r);
                    if (r.Code == CoapCode.NotFound)
                        return Fail(ProvisioningResultKind.TokenNotProvisioned, FobnailPaths.ProvisionEk, r);
                    TokenProtocolException.Expect(r, FobnailPaths.ProvisionEk, CoapCode.Created);
                    ek = LocationPath.ObjectId(r, FobnailPaths.ProvisionEk);
                    state = State.PostAik;
                    break;
                }
                case State.PostAik:
                {
                    CoapMessage r = await Session.PostCborAsync(FobnailPaths.ProvisionAik, new AikRequest(inputs.AikPublic, ek).Encode(), ct).ConfigureAwait(false);
                    TokenProtocolException.Expect(r, FobnailPaths.ProvisionAik, CoapCode.Created);
                    aik = LocationPath.ObjectId(r, FobnailPaths.ProvisionAik);
                    challenge = AikChallenge.Decode(r.Payload);
                    state = State.Activate;
                    break;
                }
                case State.Activate:
                    // TPM2_ActivateCredential with the EK policy session (§7.4); the keep-alive covers its duration.
                    secret = Keys.ActivateCredential(challenge!.IdObject, challenge.EncSecret);
                    state = State.PostProvision;
                    break;
                case State.PostProvision:
                {
                    CoapMessage r = await Session.PostCborAsync(FobnailPaths.Provision, new ProvisionRequest(ek, aik, secret).Encode(), ct).ConfigureAwait(false);
                    TokenProtocolException.Expect(r, FobnailPaths.Provision, CoapCode.Created);
                    pc = LocationPath.ObjectId(r, FobnailPaths.Provision);
                    state = State.PostMeta;
                    break;
                }
                case State.PostMeta:
                {
                    string path = FobnailPaths.ProvisionMeta(pc);
                    CoapMessage r = await SignedUpload.PostAsync(Session, Keys, path, inputs.Platform.Bytes, ct).ConfigureAwait(false);
                    TokenProtocolException.Expect(r, path, CoapCode.Created, CoapCode.Changed);
                    state = State.PostRim;
                    break;
                }
                case State.PostRim:
                {
                    string path = FobnailPaths.ProvisionRim(pc);
                    CoapMessage r = await SignedUpload.PostAsync(Session, Keys, path, inputs.RimBytes, ct).ConfigureAwait(false);
                    TokenProtocolException.Expect(r, path, CoapCode.Created, CoapCode.Changed);
                    state = State.Commit;
                    break;
                }
                case State.Commit:
                {
                    string path = FobnailPaths.ProvisionCommit(pc);
                    CoapMessage r = await Session.PostEmptyAsync(path, ct).ConfigureAwait(false);
                    if (r.Code == CoapCode.Forbidden)
                        return Fail(ProvisioningResultKind.AlreadyProvisioned, path, r);
                    TokenProtocolException.Expect(r, path, CoapCode.Changed);
                    state = State.Done;
                    break;
                }
                case State.Done:
                    return new ProvisioningOutcome(ProvisioningResultKind.Provisioned, $"platform id {inputs.Platform.IdHex}", CoapCode.Changed);
            }
        }
    }

    private static ProvisioningOutcome Fail(ProvisioningResultKind kind, string path, CoapMessage r) =>
        new(kind, $"{path} answered {r.Code}", r.Code, TokenProtocolException.DiagnosticOf(r));
}
