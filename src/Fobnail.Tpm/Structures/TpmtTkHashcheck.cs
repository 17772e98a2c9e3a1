namespace Fobnail.Tpm;

/// <summary>
/// TPMT_TK_HASHCHECK (Part 2 §10.7.6). The NULL ticket (TPM_ST_HASHCHECK, TPM_RH_NULL, empty digest) is
/// accepted by TPM2_Sign for unrestricted keys such as the AIK (§7.5), so we can hash in software.
/// </summary>
public sealed record TpmtTkHashcheck(TpmSt Tag, uint Hierarchy, byte[] Digest)
{
    public static TpmtTkHashcheck Null { get; } = new(TpmSt.HashCheck, TpmRh.Null, []);

    public void Marshal(TpmWriter w)
    {
        w.WriteU16((ushort)Tag);
        w.WriteU32(Hierarchy);
        w.WriteTpm2b(Digest);
    }

    public static TpmtTkHashcheck Unmarshal(TpmReader r)
    {
        var tag = (TpmSt)r.ReadU16();
        if (tag != TpmSt.HashCheck)
            throw r.Fail($"TPMT_TK_HASHCHECK tag 0x{(ushort)tag:X4} is not TPM_ST_HASHCHECK");
        return new TpmtTkHashcheck(tag, r.ReadU32(), r.ReadTpm2b(64, "ticket digest"));
    }
}
