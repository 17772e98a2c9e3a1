namespace Fobnail.Tpm;

/// <summary>The RSA-2048 EK certificate from NV index 0x01C00002 (§7.1), trimmed to its DER length.</summary>
public static class TpmEkCertificate
{
    public const string Context = "EK certificate";

    public static byte[] Read(ITpmTransport transport, uint? authHandle = null) =>
        Der.TrimCertificate(TpmNv.ReadAll(transport, TpmRh.EkCertificateRsa2048, authHandle), Context);

    /// <summary>Does the certificate certify this EK (same RSA modulus)? The token encrypts to the certificate's key.</summary>
    public static bool Certifies(ReadOnlySpan<byte> certificate, TpmtPublic ek)
    {
        (byte[] modulus, _) = Der.RsaPublicKey(certificate, Context);
        return modulus.AsSpan().SequenceEqual(ek.Modulus);
    }
}
