using Fobnail.Coap;

namespace Fobnail.Attester.Flows;

/// <summary>
/// The typed result of <see cref="AttestationFlow"/>: the verdict, the CoAP code and diagnostic text of the
/// deciding response when there is one, and how long it took.
/// </summary>
public sealed record AttestationOutcome(AttestationVerdictKind Kind, string Detail, CoapCode? Code = null, string? Diagnostic = null)
{
    public TimeSpan Elapsed { get; init; }

    public bool IsTrusted => Kind == AttestationVerdictKind.Trusted;

    /// <summary>One line for the console and the log.</summary>
    public string Summary => Kind switch
    {
        AttestationVerdictKind.Trusted => $"attestation: TRUSTED ({Detail})",
        AttestationVerdictKind.NotTrusted => $"attestation: NOT TRUSTED, the token rejected the evidence ({Detail})",
        AttestationVerdictKind.PlatformNotProvisioned => $"attestation: platform not provisioned on this token ({Detail})",
        AttestationVerdictKind.TokenNotProvisioned => $"attestation: the token itself is not provisioned by its owner ({Detail})",
        AttestationVerdictKind.TokenUnreachable => $"attestation: token unreachable ({Detail})",
        _ => $"attestation: protocol error{CodeText} ({Detail})",
    };

    private string CodeText => Code is { } c ? $" {c}" + (Diagnostic is { } d ? $" \"{d}\"" : "") : "";
}
