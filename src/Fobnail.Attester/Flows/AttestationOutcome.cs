using Fobnail.Coap;

namespace Fobnail.Attester.Flows;

/// <summary>The result of <see cref="AttestationFlow"/>: the verdict /init's policy acts on.</summary>
public sealed record AttestationOutcome(AttestationVerdictKind Kind, string Detail, CoapCode? Code = null, string? Diagnostic = null)
    : TokenOutcome(Detail, Code, Diagnostic)
{
    public bool IsTrusted => Kind == AttestationVerdictKind.Trusted;

    public override bool IsPassed => IsTrusted;

    public override string Summary => Kind switch
    {
        AttestationVerdictKind.Trusted => $"attestation: TRUSTED ({Detail})",
        AttestationVerdictKind.NotTrusted => $"attestation: NOT TRUSTED, the token rejected the evidence ({Detail})",
        AttestationVerdictKind.PlatformNotProvisioned => $"attestation: platform not provisioned on this token ({Detail})",
        AttestationVerdictKind.TokenNotProvisioned => $"attestation: the token itself is not provisioned by its owner ({Detail})",
        AttestationVerdictKind.TokenUnreachable => $"attestation: token unreachable ({Detail})",
        _ => $"attestation: protocol error{CodeText} ({Detail})",
    };

    internal static AttestationOutcome Failed(FlowFailure f) => f.Unreachable
        ? new(AttestationVerdictKind.TokenUnreachable, f.Detail)
        : new(AttestationVerdictKind.ProtocolError, f.Detail, f.Code, f.Diagnostic);
}
