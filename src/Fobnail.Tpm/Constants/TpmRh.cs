namespace Fobnail.Tpm;

/// <summary>TPM_RH permanent handles and TPM_RS_PW (TPM 2.0 Part 2 §7.4), plus the handles the Fobnail protocol fixes (§7).</summary>
public static class TpmRh
{
    public const uint Owner = 0x40000001;
    public const uint Null = 0x40000007;
    /// <summary>TPM_RS_PW: the password authorization session.</summary>
    public const uint PasswordSession = 0x40000009;
    public const uint Lockout = 0x4000000A;
    public const uint Endorsement = 0x4000000B;
    public const uint Platform = 0x4000000C;

    /// <summary>Persistent handle of the EK (Fobnail protocol §7.1).</summary>
    public const uint FobnailEk = 0x8100F0BE;
    /// <summary>Persistent handle of the AIK (Fobnail protocol §7.3).</summary>
    public const uint FobnailAik = 0x8100F0BA;
    /// <summary>NV index of the RSA-2048 EK certificate (TCG EK Credential Profile; Fobnail protocol §7.1).</summary>
    public const uint EkCertificateRsa2048 = 0x01C00002;
}
