namespace Fobnail.Tpm;

/// <summary>TPMT_HA (Part 2 §10.3.2): hashAlg then a digest of exactly that algorithm's size (no size prefix).</summary>
public sealed record TpmtHa(TpmAlgId HashAlg, byte[] Digest)
{
    public void Marshal(TpmWriter w)
    {
        int size = TpmHash.DigestSize(HashAlg);
        if (size == 0 || size != Digest.Length)
            throw new ArgumentException($"TPMT_HA digest for {HashAlg} must be {size} bytes, got {Digest.Length}");
        w.WriteU16((ushort)HashAlg);
        w.WriteBytes(Digest);
    }
}
