namespace Fobnail.Token.Emulator.Tpm;

/// <summary>TPM 2.0 Part 2 constants the token checks.</summary>
public static class TpmConstants
{
    public const ushort TPM_ALG_RSA = 0x0001;
    public const ushort TPM_ALG_SHA256 = 0x000B;
    public const ushort TPM_ALG_NULL = 0x0010;
    public const uint TPM_GENERATED_VALUE = 0xFF544347;
    public const ushort TPM_ST_ATTEST_QUOTE = 0x8018;

    /// <summary>fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | noDA | decrypt | sign (spec §7.3).</summary>
    public const uint AikObjectAttributes = 0x00060472;
}
