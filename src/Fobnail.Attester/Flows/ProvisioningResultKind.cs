namespace Fobnail.Attester.Flows;

/// <summary>Outcome of platform provisioning (§5.4, §11.5).</summary>
public enum ProvisioningResultKind
{
    /// <summary>The commit answered 2.04: metadata, AIK and RIM are stored on the token.</summary>
    Provisioned,
    /// <summary>The commit answered 4.03: a platform with identical metadata is already provisioned.</summary>
    AlreadyProvisioned,
    /// <summary>The token refused the EK certificate chain (4.03 on /provision/ek).</summary>
    EkChainRejected,
    /// <summary>The token's owner has not provisioned it (4.04 on /provision/ek).</summary>
    TokenNotProvisioned,
    TokenUnreachable,
    ProtocolError,
}
