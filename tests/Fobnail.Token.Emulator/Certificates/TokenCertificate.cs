using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.X509;

namespace Fobnail.Token.Emulator.Certificates;

/// <summary>
/// A DER X.509 certificate with the fields the token's certificate manager (spec §7.2) looks at. Parsing is done
/// by BouncyCastle inside a size limit; every failure becomes a <see cref="CertificateException"/>.
/// </summary>
public sealed class TokenCertificate
{
    /// <summary>Real EK and intermediate certificates are 1.2–1.7 KB (spec §7.2); 8 KiB is far beyond any.</summary>
    public const int MaxDerSize = 8192;

    public const string OidSha256WithRsa = "1.2.840.113549.1.1.11";
    public const string OidEd25519 = "1.3.101.112";
    public const string OidRsaEncryption = "1.2.840.113549.1.1.1";

    private TokenCertificate(byte[] der, X509Certificate cert, bool trusted)
    {
        Der = der;
        Inner = cert;
        IsTrusted = trusted;
    }

    public byte[] Der { get; }
    internal X509Certificate Inner { get; }
    /// <summary>True only for certificates from the embedded (configured) roots.</summary>
    public bool IsTrusted { get; }

    public int Version => Inner.Version;
    public string Subject => Inner.SubjectDN.ToString();
    public byte[] TbsCertificate => Inner.GetTbsCertificate();
    public string SignatureAlgorithmOid => Inner.SigAlgOid;
    public byte[] Signature => Inner.GetSignature();

    public byte[]? SubjectKeyIdentifier { get; private init; }
    public byte[]? AuthorityKeyIdentifier { get; private init; }
    /// <summary>(cA, pathLenConstraint) per RFC 5280 §4.2.1.9; without the extension only pre-v3 certificates may sign.</summary>
    public (bool Ca, int? PathLen) BasicConstraints { get; private init; }
    public IReadOnlyList<string> CriticalExtensionOids { get; private init; } = [];
    /// <summary>KeyUsage bits, or null when the extension is absent.</summary>
    public int? KeyUsage { get; private init; }
    public CertificateKey? Key { get; private init; }
    public string? KeyError { get; private init; }

    public static TokenCertificate Parse(ReadOnlySpan<byte> der, bool trusted = false)
    {
        if (der.Length > MaxDerSize)
            throw new CertificateException($"certificate of {der.Length} bytes exceeds {MaxDerSize}");
        DerDepthCheck.Check(der, "certificate");
        byte[] bytes = der.ToArray();
        try
        {
            return ParseChecked(bytes, trusted);
        }
        catch (CertificateException)
        {
            throw;
        }
        catch (Exception e)
        {
            // BouncyCastle signals malformed DER with a variety of exception types.
            throw new CertificateException($"invalid certificate: {e.Message}");
        }
    }

    private static TokenCertificate ParseChecked(byte[] bytes, bool trusted)
    {
        var asn1 = Asn1Object.FromByteArray(bytes);
        var structure = X509CertificateStructure.GetInstance(asn1);
        // Reject trailing garbage: the DER must be exactly one certificate.
        if (structure.GetDerEncoded().Length != bytes.Length)
            throw new CertificateException("certificate has trailing bytes or is not DER");
        var cert = new X509Certificate(structure);

        byte[]? ski = null;
        Asn1OctetString? skiExt = cert.GetExtensionValue(X509Extensions.SubjectKeyIdentifier);
        if (skiExt != null)
            ski = Org.BouncyCastle.Asn1.X509.SubjectKeyIdentifier.GetInstance(Nested(skiExt.GetOctets())).GetKeyIdentifier();
        byte[]? aki = null;
        Asn1OctetString? akiExt = cert.GetExtensionValue(X509Extensions.AuthorityKeyIdentifier);
        if (akiExt != null)
            aki = Org.BouncyCastle.Asn1.X509.AuthorityKeyIdentifier.GetInstance(Nested(akiExt.GetOctets())).KeyIdentifier?.GetOctets();

        (bool, int?) basic;
        Asn1OctetString? bcExt = cert.GetExtensionValue(X509Extensions.BasicConstraints);
        if (bcExt != null)
        {
            var bc = Org.BouncyCastle.Asn1.X509.BasicConstraints.GetInstance(Nested(bcExt.GetOctets()));
            BigInteger? pl = bc.PathLenConstraint;
            basic = bc.IsCA() ? (true, pl == null ? null : (pl.BitLength > 8 ? 255 : pl.IntValue)) : (false, null);
        }
        else
        {
            basic = (cert.Version < 3, null);
        }

        int? keyUsage = null;
        Asn1OctetString? kuExt = cert.GetExtensionValue(X509Extensions.KeyUsage);
        if (kuExt != null)
            keyUsage = Org.BouncyCastle.Asn1.X509.KeyUsage.GetInstance(Nested(kuExt.GetOctets())).IntValue;

        var critical = new List<string>();
        var criticalSet = cert.GetCriticalExtensionOids();
        if (criticalSet != null)
            foreach (object oid in criticalSet) critical.Add((string)oid);

        CertificateKey? key = null;
        string? keyError = null;
        SubjectPublicKeyInfo spki = structure.SubjectPublicKeyInfo;
        string keyAlg = spki.Algorithm.Algorithm.Id;
        if (keyAlg == OidRsaEncryption)
        {
            var rsa = RsaPublicKeyStructure.GetInstance(Nested(spki.PublicKey.GetBytes()));
            key = new CertificateKey.Rsa(rsa.Modulus, LittleEndianExponent(rsa.PublicExponent));
        }
        else if (keyAlg == OidEd25519)
        {
            byte[] pk = spki.PublicKey.GetBytes();
            if (pk.Length == 32) key = new CertificateKey.Ed25519(pk);
            else keyError = $"Ed25519 key of {pk.Length} bytes";
        }
        else
        {
            keyError = $"unsupported key algorithm {keyAlg}";
        }

        return new TokenCertificate(bytes, cert, trusted)
        {
            SubjectKeyIdentifier = ski,
            AuthorityKeyIdentifier = aki,
            BasicConstraints = basic,
            CriticalExtensionOids = critical,
            KeyUsage = keyUsage,
            Key = key,
            KeyError = keyError,
        };
    }

    /// <summary>DER carried inside an OCTET/BIT STRING, checked for depth like the outer certificate.</summary>
    private static Asn1Object Nested(byte[] der)
    {
        DerDepthCheck.Check(der, "certificate field");
        return Asn1Object.FromByteArray(der);
    }

    /// <summary>
    /// The firmware reads the exponent's DER content bytes as a little-endian number (spec §7.2, §10 #13).
    /// Reproduced so that a certificate with a non-palindromic exponent fails here exactly as on the token.
    /// </summary>
    internal static BigInteger LittleEndianExponent(BigInteger exponent)
    {
        byte[] be = exponent.ToByteArray();  // DER INTEGER content (two's complement, minimal)
        if (be.Length > 4) throw new CertificateException("RSA exponent longer than 4 bytes");
        Array.Reverse(be);
        return new BigInteger(1, be);
    }

    /// <summary>The key or the reason it cannot be used.</summary>
    public CertificateKey RequireKey() => Key ?? throw new CertificateException(KeyError ?? "no key");
}
