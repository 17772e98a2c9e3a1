namespace Fobnail.Tpm;

/// <summary>TPMT_SYM_DEF_OBJECT (Part 2 §11.1.7): algorithm, and keyBits + mode unless the algorithm is NULL.</summary>
public sealed record TpmtSymDefObject(TpmAlgId Algorithm, ushort KeyBits = 0, TpmAlgId Mode = TpmAlgId.Null)
{
    public static TpmtSymDefObject Null { get; } = new(TpmAlgId.Null);

    public static TpmtSymDefObject Aes128Cfb { get; } = new(TpmAlgId.Aes, 128, TpmAlgId.Cfb);

    public void Marshal(TpmWriter w)
    {
        w.WriteU16((ushort)Algorithm);
        if (Algorithm == TpmAlgId.Null)
            return;
        w.WriteU16(KeyBits);
        w.WriteU16((ushort)Mode);
    }

    public static TpmtSymDefObject Unmarshal(TpmReader r)
    {
        var algorithm = (TpmAlgId)r.ReadU16();
        if (algorithm == TpmAlgId.Null)
            return Null;
        return new TpmtSymDefObject(algorithm, r.ReadU16(), (TpmAlgId)r.ReadU16());
    }
}
