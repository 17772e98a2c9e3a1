namespace Fobnail.Tpm;

/// <summary>TPMS_NV_PUBLIC (Part 2 §13.5), as carried in TPM2B_NV_PUBLIC.</summary>
public sealed record TpmsNvPublic(uint NvIndex, TpmAlgId NameAlg, uint Attributes, byte[] AuthPolicy, ushort DataSize)
{
    public static TpmsNvPublic Unmarshal(TpmReader r)
    {
        TpmReader inner = r.ReadSized(256, "TPM2B_NV_PUBLIC");
        var result = new TpmsNvPublic(inner.ReadU32(), (TpmAlgId)inner.ReadU16(), inner.ReadU32(), inner.ReadTpm2b(64, "authPolicy"), inner.ReadU16());
        inner.ExpectEnd("TPMS_NV_PUBLIC");
        return result;
    }
}
