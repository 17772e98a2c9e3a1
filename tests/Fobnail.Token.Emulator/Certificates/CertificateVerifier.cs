using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Fobnail.Token.Emulator.Certificates;

/// <summary>
/// Walks a certificate up to a trusted root the way the token does (spec §7.2): issuers found by AKI→SKI,
/// issuers must be CA=TRUE within pathLen, only sha256WithRSAEncryption and Ed25519 signatures, no critical
/// extension other than BasicConstraints/KeyUsage/SubjectAltName, no validity or revocation checks.
/// </summary>
public sealed class CertificateVerifier(CertificateStore store)
{
    /// <summary>
    /// The firmware hashes the TBSCertificate through a 1024-byte Trussed message and would panic on a larger one;
    /// the emulator rejects it instead.
    /// </summary>
    public const int MaxTbsSize = 1024;
    private const int RecursionLimit = 50;
    private const int KeyUsageKeyEncipherment = 1 << 5;  // BouncyCastle KeyUsage bit for keyEncipherment

    private static readonly HashSet<string> AllowedCritical = ["2.5.29.19", "2.5.29.15", "2.5.29.17"];
    private static readonly HashSet<string> RsaWithOtherHash =
        ["1.2.840.113549.1.1.5", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13", "1.2.840.113549.1.1.14"];

    public CertificateStore Store => store;

    /// <summary>Throws <see cref="CertificateException"/> with the reason when the certificate is not acceptable.</summary>
    public void Verify(TokenCertificate certificate, VerifyMode mode)
    {
        switch (mode)
        {
            case VerifyMode.Ek: CheckTcgEkProfile(certificate); break;
            case VerifyMode.Po:
                if (certificate.Version != 3) throw new CertificateException("PO certificate must be X.509v3");
                if (!certificate.BasicConstraints.Ca)
                    throw new CertificateException("each certificate in the PO chain must have CA=TRUE");
                break;
            default:
                if (certificate.Version != 3) throw new CertificateException("expected an X.509v3 certificate");
                break;
        }

        TokenCertificate child = certificate;
        for (int depth = 0; ; depth++)
        {
            CheckCriticalExtensions(child);
            bool selfSigned = IsSelfSigned(child);
            if (child.IsTrusted)
            {
                bool isPoRoot = store.PoRootDer != null && child.Der.AsSpan().SequenceEqual(store.PoRootDer);
                if ((mode is VerifyMode.Po or VerifyMode.TokenCert) && !isPoRoot)
                    throw new CertificateException("chain is not rooted in the Platform Owner root");
                if ((mode is VerifyMode.Ek or VerifyMode.Normal) && isPoRoot)
                    throw new CertificateException("only PO certificates may be rooted in the PO root");
                return;
            }
            if (selfSigned) throw new CertificateException($"untrusted self-signed certificate '{child.Subject}'");
            if (depth > RecursionLimit) throw new CertificateException("certificate chain too long");

            byte[] aki = child.AuthorityKeyIdentifier
                ?? throw new CertificateException($"'{child.Subject}' has no Authority Key Identifier");
            TokenCertificate parent = store.Lookup(aki)
                ?? throw new CertificateException($"issuer of '{child.Subject}' not found");
            CheckCriticalExtensions(parent);
            if (!parent.BasicConstraints.Ca)
                throw new CertificateException($"issuer '{parent.Subject}' is not a CA");
            if (parent.BasicConstraints.PathLen is int pathLen && depth > pathLen)
                throw new CertificateException($"pathLenConstraint of '{parent.Subject}' exceeded");
            if (!SignatureValid(child, parent.RequireKey()))
                throw new CertificateException($"signature of '{child.Subject}' does not verify with '{parent.Subject}'");
            child = parent;
        }
    }

    private static void CheckTcgEkProfile(TokenCertificate c)
    {
        if (c.Version != 3) throw new CertificateException("EK certificate must be X.509v3");
        if (c.BasicConstraints.Ca) throw new CertificateException("EK certificate must not be CA=TRUE");
        if (c.KeyUsage is not int ku) throw new CertificateException("EK certificate lacks the KeyUsage extension");
        if ((ku & KeyUsageKeyEncipherment) == 0) throw new CertificateException("EK KeyUsage lacks keyEncipherment");
    }

    private static void CheckCriticalExtensions(TokenCertificate c)
    {
        foreach (string oid in c.CriticalExtensionOids)
            if (!AllowedCritical.Contains(oid))
                throw new CertificateException($"unsupported critical extension {oid} in '{c.Subject}'");
    }

    /// <summary>A CA whose AKI (if any) equals its SKI (if any) and whose signature verifies with its own key.</summary>
    private static bool IsSelfSigned(TokenCertificate c)
    {
        if (!c.BasicConstraints.Ca) return false;
        if (c.AuthorityKeyIdentifier is { } aki && c.SubjectKeyIdentifier is { } ski && !aki.AsSpan().SequenceEqual(ski))
            return false;
        return c.Key != null && SignatureValid(c, c.Key);
    }

    private static bool SignatureValid(TokenCertificate child, CertificateKey issuerKey)
    {
        string alg = child.SignatureAlgorithmOid;
        byte[] tbs = child.TbsCertificate;
        if (tbs.Length > MaxTbsSize)
            throw new CertificateException(
                $"TBSCertificate of '{child.Subject}' is {tbs.Length} bytes, over {MaxTbsSize} (the firmware would panic)");
        byte[] sig = child.Signature;
        switch (issuerKey)
        {
            case CertificateKey.Rsa rsa when alg == TokenCertificate.OidSha256WithRsa:
                try
                {
                    var signer = new RsaDigestSigner(new Sha256Digest());
                    signer.Init(false, rsa.Parameters);
                    signer.BlockUpdate(tbs, 0, tbs.Length);
                    return signer.VerifySignature(sig);
                }
                catch (Exception)
                {
                    // A malformed key (e.g. the little-endian exponent quirk producing an even exponent) cannot verify.
                    return false;
                }
            case CertificateKey.Rsa when RsaWithOtherHash.Contains(alg):
                throw new CertificateException($"unsupported signature hash ({alg}); only SHA-256 is supported");
            case CertificateKey.Ed25519 ed when alg == TokenCertificate.OidEd25519:
                var verifier = new Ed25519Signer();
                verifier.Init(false, new Ed25519PublicKeyParameters(ed.PublicKey, 0));
                verifier.BlockUpdate(tbs, 0, tbs.Length);
                return verifier.VerifySignature(sig);
            default:
                return false;  // signature algorithm not compatible with the issuer key
        }
    }
}
