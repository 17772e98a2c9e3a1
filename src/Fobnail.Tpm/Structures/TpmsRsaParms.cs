namespace Fobnail.Tpm;

/// <summary>TPMS_RSA_PARMS (Part 2 §12.2.3.5): symmetric, scheme, keyBits, exponent (0 = 65537).</summary>
public sealed record TpmsRsaParms(TpmtSymDefObject Symmetric, TpmtSigScheme Scheme, ushort KeyBits, uint Exponent)
{
    public void Marshal(TpmWriter w)
    {
        Symmetric.Marshal(w);
        Scheme.Marshal(w);
        w.WriteU16(KeyBits);
        w.WriteU32(Exponent);
    }

    public static TpmsRsaParms Unmarshal(TpmReader r) =>
        new(TpmtSymDefObject.Unmarshal(r), TpmtSigScheme.Unmarshal(r), r.ReadU16(), r.ReadU32());
}
