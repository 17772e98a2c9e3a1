using Fobnail.Coap;

namespace Fobnail.Attester.Flows;

/// <summary>The result of <see cref="ProvisioningFlow"/>.</summary>
public sealed record ProvisioningOutcome(ProvisioningResultKind Kind, string Detail, CoapCode? Code = null, string? Diagnostic = null)
    : TokenOutcome(Detail, Code, Diagnostic)
{
    /// <summary>Provisioned now or before: attestation can follow.</summary>
    public bool PlatformKnown => Kind is ProvisioningResultKind.Provisioned or ProvisioningResultKind.AlreadyProvisioned;

    public override bool IsPassed => PlatformKnown;

    public override string Summary => Kind switch
    {
        ProvisioningResultKind.Provisioned => $"provisioning: platform provisioned ({Detail})",
        ProvisioningResultKind.AlreadyProvisioned => $"provisioning: platform already provisioned on this token ({Detail})",
        ProvisioningResultKind.EkChainRejected => $"provisioning: the token rejected the EK certificate chain ({Detail})",
        ProvisioningResultKind.TokenNotProvisioned => $"provisioning: the token itself is not provisioned by its owner ({Detail})",
        ProvisioningResultKind.TokenUnreachable => $"provisioning: token unreachable ({Detail})",
        _ => $"provisioning: protocol error{CodeText} ({Detail})",
    };

    internal static ProvisioningOutcome Failed(FlowFailure f) => f.Unreachable
        ? new(ProvisioningResultKind.TokenUnreachable, f.Detail)
        : new(ProvisioningResultKind.ProtocolError, f.Detail, f.Code, f.Diagnostic);

    /// <summary>A failed provisioning seen as the attestation verdict /init acts on.</summary>
    internal AttestationOutcome AsAttestation() => Kind switch
    {
        ProvisioningResultKind.TokenUnreachable => new(AttestationVerdictKind.TokenUnreachable, Detail) { Elapsed = Elapsed },
        ProvisioningResultKind.TokenNotProvisioned => new(AttestationVerdictKind.TokenNotProvisioned, Detail, Code, Diagnostic) { Elapsed = Elapsed },
        _ => new(AttestationVerdictKind.ProtocolError, Summary, Code, Diagnostic) { Elapsed = Elapsed },
    };
}
