namespace Fobnail.Token.Emulator.Certificates;

/// <summary>What a certificate is verified as (the firmware's certificate manager modes).</summary>
public enum VerifyMode
{
    /// <summary>Any certificate: must be X.509v3; must not be rooted in the PO root.</summary>
    Normal,
    /// <summary>EK leaf: TCG EK profile rules (CA=FALSE, keyEncipherment); must not be rooted in the PO root.</summary>
    Ek,
    /// <summary>Platform Owner chain member: v3 with CA=TRUE; must be rooted in the PO root.</summary>
    Po,
    /// <summary>The token's own certificate: v3; must be rooted in the PO root.</summary>
    TokenCert,
}
