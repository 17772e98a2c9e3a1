namespace Fobnail.Protocol;

/// <summary>TPM_ALG_ID values (TPM 2.0 Part 2, Table 9) used in "algo_id" fields.</summary>
public static class TpmAlgorithmId
{
    public const ushort Sha1 = 0x0004;
    public const ushort Sha256 = 0x000B;
    public const ushort Sha384 = 0x000C;
    public const ushort Sha512 = 0x000D;
}
