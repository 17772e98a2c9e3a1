namespace Fobnail.Tpm;

/// <summary>
/// TPMT_SIG_SCHEME / TPMT_RSA_SCHEME (Part 2 §11.2.1.5, §11.2.4.2): scheme, then hashAlg for every scheme
/// that has one (all signing schemes and OAEP; not NULL and not RSAES).
/// </summary>
public sealed record TpmtSigScheme(TpmAlgId Scheme, TpmAlgId HashAlg = TpmAlgId.Null)
{
    public static TpmtSigScheme Null { get; } = new(TpmAlgId.Null);

    public static TpmtSigScheme RsaSsaSha256 { get; } = new(TpmAlgId.RsaSsa, TpmAlgId.Sha256);

    private static bool HasHash(TpmAlgId scheme) => scheme is not (TpmAlgId.Null or TpmAlgId.RsaEs);

    public void Marshal(TpmWriter w)
    {
        w.WriteU16((ushort)Scheme);
        if (HasHash(Scheme))
            w.WriteU16((ushort)HashAlg);
    }

    public static TpmtSigScheme Unmarshal(TpmReader r)
    {
        var scheme = (TpmAlgId)r.ReadU16();
        return HasHash(scheme) ? new TpmtSigScheme(scheme, (TpmAlgId)r.ReadU16()) : new TpmtSigScheme(scheme);
    }
}
