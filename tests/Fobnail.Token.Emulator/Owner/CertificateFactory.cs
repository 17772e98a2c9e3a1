using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;

namespace Fobnail.Token.Emulator.Owner;

/// <summary>
/// Issues X.509v3 certificates with the extensions the token's verifier needs (SKI, AKI keyIdentifier,
/// BasicConstraints, KeyUsage). Used for the self-made Platform Owner chain of --provisioned, and by tests to
/// build EK chains. Ed25519 issuers sign with Ed25519, RSA issuers with sha256WithRSAEncryption.
/// </summary>
public static class CertificateFactory
{
    private static long _serial = DateTime.UtcNow.Ticks;

    public sealed record Options
    {
        public bool Ca { get; init; }
        public int? PathLen { get; init; }
        public int? KeyUsage { get; init; }
        public bool KeyUsageCritical { get; init; } = true;
        /// <summary>Adds no SKI / AKI when false (to test the verifier's refusal).</summary>
        public bool KeyIdentifiers { get; init; } = true;
        /// <summary>Extra critical extension OID the token must refuse (tests).</summary>
        public string? ExtraCriticalOid { get; init; }
        public string SignatureAlgorithm { get; init; } = "";
    }

    public static byte[] Issue(string subject, AsymmetricKeyParameter subjectPublic, string issuer,
        AsymmetricKeyParameter issuerPrivate, AsymmetricKeyParameter issuerPublic, Options options)
    {
        var gen = new X509V3CertificateGenerator();
        gen.SetSerialNumber(BigInteger.ValueOf(Interlocked.Increment(ref _serial)));
        gen.SetIssuerDN(new X509Name(issuer));
        gen.SetSubjectDN(new X509Name(subject));
        gen.SetNotBefore(DateTime.UtcNow.AddDays(-1));
        gen.SetNotAfter(DateTime.UtcNow.AddYears(20));
        gen.SetPublicKey(subjectPublic);
        if (options.KeyIdentifiers)
        {
            gen.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(subjectPublic));
            gen.AddExtension(X509Extensions.AuthorityKeyIdentifier, false,
                new AuthorityKeyIdentifier(X509ExtensionUtilities.CreateSubjectKeyIdentifier(issuerPublic).GetKeyIdentifier()));
        }
        gen.AddExtension(X509Extensions.BasicConstraints, true,
            options.Ca ? (options.PathLen is int pl ? new BasicConstraints(pl) : new BasicConstraints(true)) : new BasicConstraints(false));
        if (options.KeyUsage is int ku) gen.AddExtension(X509Extensions.KeyUsage, options.KeyUsageCritical, new KeyUsage(ku));
        if (options.ExtraCriticalOid != null)
            gen.AddExtension(options.ExtraCriticalOid, true, Org.BouncyCastle.Asn1.DerNull.Instance);
        ISignatureFactory signer = new Asn1SignatureFactory(
            issuerPrivate is Ed25519PrivateKeyParameters ? "Ed25519"
            : options.SignatureAlgorithm.Length > 0 ? options.SignatureAlgorithm : "SHA256WITHRSA", issuerPrivate);
        return gen.Generate(signer).GetEncoded();
    }
}
