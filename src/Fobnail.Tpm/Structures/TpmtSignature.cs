namespace Fobnail.Tpm;

/// <summary>
/// TPMT_SIGNATURE (Part 2 §11.3.4) for RSA keys: sigAlg (RSASSA or RSAPSS), hash, TPM2B_PUBLIC_KEY_RSA sig.
/// <see cref="Signature"/> is the raw big-endian signature the token receives (§7.5).
/// </summary>
public sealed record TpmtSignature(TpmAlgId SigAlg, TpmAlgId Hash, byte[] Signature)
{
    public void Marshal(TpmWriter w)
    {
        w.WriteU16((ushort)SigAlg);
        w.WriteU16((ushort)Hash);
        w.WriteTpm2b(Signature);
    }

    public byte[] ToBytes()
    {
        var w = new TpmWriter(300);
        Marshal(w);
        return w.ToArray();
    }

    public static TpmtSignature Unmarshal(TpmReader r)
    {
        var sigAlg = (TpmAlgId)r.ReadU16();
        if (sigAlg is not (TpmAlgId.RsaSsa or TpmAlgId.RsaPss))
            throw r.Fail($"TPMT_SIGNATURE sigAlg 0x{(ushort)sigAlg:X4} is not RSASSA or RSAPSS");
        var hash = (TpmAlgId)r.ReadU16();
        byte[] sig = r.ReadTpm2b(TpmtPublic.MaxRsaKeyBytes, "signature");
        return new TpmtSignature(sigAlg, hash, sig);
    }
}
