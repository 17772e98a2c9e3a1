namespace Fobnail.Tpm;

/// <summary>TPML_DIGEST (Part 2 §10.9.3): count (at most 8, the PCR_Read limit) then TPM2B_DIGESTs.</summary>
public sealed record TpmlDigest(IReadOnlyList<byte[]> Digests)
{
    public const uint MaxCount = 8;
    public const int MaxDigestSize = 64;

    public static TpmlDigest Unmarshal(TpmReader r)
    {
        int count = r.ReadCount(MaxCount, 2, "TPML_DIGEST");
        var list = new byte[count][];
        for (int i = 0; i < count; i++)
            list[i] = r.ReadTpm2b(MaxDigestSize, "TPM2B_DIGEST");
        return new TpmlDigest(list);
    }
}
