using Fobnail.Coap;

namespace Fobnail.Attester.Flows;

/// <summary>The typed result of <see cref="ProvisioningFlow"/>.</summary>
public sealed record ProvisioningOutcome(ProvisioningResultKind Kind, string Detail, CoapCode? Code = null, string? Diagnostic = null)
{
    public TimeSpan Elapsed { get; init; }

    /// <summary>Provisioned now or before: attestation can follow.</summary>
    public bool PlatformKnown => Kind is ProvisioningResultKind.Provisioned or ProvisioningResultKind.AlreadyProvisioned;

    public string Summary => Kind switch
    {
        ProvisioningResultKind.Provisioned => $"provisioning: platform provisioned ({Detail})",
        ProvisioningResultKind.AlreadyProvisioned => $"provisioning: platform already provisioned on this token ({Detail})",
        ProvisioningResultKind.EkChainRejected => $"provisioning: the token rejected the EK certificate chain ({Detail})",
        ProvisioningResultKind.TokenNotProvisioned => $"provisioning: the token itself is not provisioned by its owner ({Detail})",
        ProvisioningResultKind.TokenUnreachable => $"provisioning: token unreachable ({Detail})",
        _ => $"provisioning: protocol error{(Code is { } c ? " " + c : "")}{(Diagnostic is { } d ? $" \"{d}\"" : "")} ({Detail})",
    };
}
