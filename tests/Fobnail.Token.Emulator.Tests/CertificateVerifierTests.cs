using Fobnail.Token.Emulator.Certificates;
using Fobnail.Token.Emulator.Owner;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;

namespace Fobnail.Token.Emulator.Tests;

public class CertificateVerifierTests
{
    private static readonly SoftwareAttester A = EmulatorHarness.SharedAttester;
    private const string Root = SoftwareAttester.EkRootName;

    private static CertificateVerifier Verifier(byte[]? poRoot = null, params byte[][] roots) =>
        new(new CertificateStore(poRoot, roots.Length == 0 ? [A.EkRootDer] : roots, _ => null));

    private static byte[] IssueByRoot(string subject, AsymmetricKeyParameter key, CertificateFactory.Options o) =>
        CertificateFactory.Issue(subject, key, Root, A.EkRootKey.Private, A.EkRootKey.Public, o);

    private static readonly CertificateFactory.Options EkLeaf = new() { Ca = false, KeyUsage = KeyUsage.KeyEncipherment };

    [Fact]
    public void Ek_Directly_Below_A_Trusted_Root_Verifies()
    {
        Verifier().Verify(TokenCertificate.Parse(IssueByRoot("CN=EK", A.EkKey.Public, EkLeaf)), VerifyMode.Ek);
    }

    [Fact]
    public void Ek_Rules_CA_True_Or_Missing_KeyEncipherment_Are_Refused()
    {
        var v = Verifier();
        var ca = IssueByRoot("CN=EK", A.EkKey.Public, EkLeaf with { Ca = true });
        Assert.Throws<CertificateException>(() => v.Verify(TokenCertificate.Parse(ca), VerifyMode.Ek));
        var signOnly = IssueByRoot("CN=EK", A.EkKey.Public, EkLeaf with { KeyUsage = KeyUsage.DigitalSignature });
        Assert.Throws<CertificateException>(() => v.Verify(TokenCertificate.Parse(signOnly), VerifyMode.Ek));
        var noKu = IssueByRoot("CN=EK", A.EkKey.Public, EkLeaf with { KeyUsage = null });
        Assert.Throws<CertificateException>(() => v.Verify(TokenCertificate.Parse(noKu), VerifyMode.Ek));
    }

    [Fact]
    public void Unknown_Critical_Extension_Is_Refused_But_Critical_KeyUsage_Is_Fine()
    {
        var v = Verifier();
        var c = IssueByRoot("CN=EK", A.EkKey.Public, EkLeaf with { ExtraCriticalOid = "1.2.3.4.5" });
        var e = Assert.Throws<CertificateException>(() => v.Verify(TokenCertificate.Parse(c), VerifyMode.Ek));
        Assert.Contains("critical extension", e.Message);
    }

    [Fact]
    public void Missing_Aki_Is_Refused()
    {
        var c = IssueByRoot("CN=EK", A.EkKey.Public, EkLeaf with { KeyIdentifiers = false });
        var e = Assert.Throws<CertificateException>(() => Verifier().Verify(TokenCertificate.Parse(c), VerifyMode.Ek));
        Assert.Contains("Authority Key Identifier", e.Message);
    }

    [Fact]
    public void Issuer_Without_CA_True_Cannot_Sign()
    {
        // An intermediate that is not a CA (as a volatile issuer) signs the EK.
        byte[] notCa = IssueByRoot("CN=Not a CA", A.EkIssuerKey.Public, new CertificateFactory.Options { Ca = false });
        var v = Verifier();
        var mid = TokenCertificate.Parse(notCa);
        v.Store.InjectVolatile(mid);
        byte[] ek = CertificateFactory.Issue("CN=EK", A.EkKey.Public, "CN=Not a CA", A.EkIssuerKey.Private, A.EkIssuerKey.Public, EkLeaf);
        var e = Assert.Throws<CertificateException>(() => v.Verify(TokenCertificate.Parse(ek), VerifyMode.Ek));
        Assert.Contains("not a CA", e.Message);
    }

    [Fact]
    public void PathLen_Zero_Root_Cannot_Have_An_Intermediate()
    {
        var rootKey = A.EkRootKey;
        byte[] root = CertificateFactory.Issue("CN=R0", rootKey.Public, "CN=R0", rootKey.Private, rootKey.Public,
            new CertificateFactory.Options { Ca = true, PathLen = 0 });
        byte[] mid = CertificateFactory.Issue("CN=M", A.EkIssuerKey.Public, "CN=R0", rootKey.Private, rootKey.Public,
            new CertificateFactory.Options { Ca = true });
        byte[] ek = CertificateFactory.Issue("CN=EK", A.EkKey.Public, "CN=M", A.EkIssuerKey.Private, A.EkIssuerKey.Public, EkLeaf);
        var v = Verifier(null, root);
        var m = TokenCertificate.Parse(mid);
        v.Verify(m, VerifyMode.Normal);  // the intermediate itself is fine (depth 0)
        v.Store.InjectVolatile(m);
        var e = Assert.Throws<CertificateException>(() => v.Verify(TokenCertificate.Parse(ek), VerifyMode.Ek));
        Assert.Contains("pathLen", e.Message);
    }

    [Fact]
    public void Sha1_Signatures_Are_Refused_And_A_Wrong_Signer_Fails()
    {
        var v = Verifier();
        var sha1 = IssueByRoot("CN=EK", A.EkKey.Public, EkLeaf with { SignatureAlgorithm = "SHA1WITHRSA" });
        Assert.Contains("only SHA-256", Assert.Throws<CertificateException>(() => v.Verify(TokenCertificate.Parse(sha1), VerifyMode.Ek)).Message);
        // Claims the root as issuer (AKI) but is signed by another key.
        byte[] forged = CertificateFactory.Issue("CN=EK", A.EkKey.Public, Root, A.EkIssuerKey.Private, A.EkRootKey.Public, EkLeaf);
        Assert.Contains("does not verify", Assert.Throws<CertificateException>(() => v.Verify(TokenCertificate.Parse(forged), VerifyMode.Ek)).Message);
    }

    [Fact]
    public void FirmwareDifference_Tbs_Over_1024_Bytes_Is_Refused_Instead_Of_Panicking()
    {
        // A subject long enough to push the TBSCertificate over 1024 bytes.
        string subject = "CN=EK,O=" + new string('x', 600);
        var c = TokenCertificate.Parse(IssueByRoot(subject, A.EkKey.Public, EkLeaf));
        Assert.True(c.TbsCertificate.Length > 1024);
        var e = Assert.Throws<CertificateException>(() => Verifier().Verify(c, VerifyMode.Ek));
        Assert.Contains("would panic", e.Message);
    }

    [Fact]
    public void Rsa_Exponent_Is_Read_Little_Endian_Like_The_Firmware_So_Only_Palindromes_Work()
    {
        Assert.Equal(65537, TokenCertificate.LittleEndianExponent(Org.BouncyCastle.Math.BigInteger.ValueOf(65537)).IntValue);
        Assert.Equal(3, TokenCertificate.LittleEndianExponent(Org.BouncyCastle.Math.BigInteger.ValueOf(3)).IntValue);
        Assert.Equal(0x030001, TokenCertificate.LittleEndianExponent(Org.BouncyCastle.Math.BigInteger.ValueOf(0x010003)).IntValue);

        // A root with exponent 0x010003 (non-palindromic): its signatures cannot verify on the token.
        AsymmetricCipherKeyPair oddRoot = SoftwareAttester.NewRsa(0x010003);
        byte[] root = CertificateFactory.Issue("CN=OddRoot", oddRoot.Public, "CN=OddRoot", oddRoot.Private, oddRoot.Public,
            new CertificateFactory.Options { Ca = true });
        byte[] ek = CertificateFactory.Issue("CN=EK", A.EkKey.Public, "CN=OddRoot", oddRoot.Private, oddRoot.Public, EkLeaf);
        Assert.Throws<CertificateException>(() => Verifier(null, root).Verify(TokenCertificate.Parse(ek), VerifyMode.Ek));
    }

    [Fact]
    public void Ek_Chain_May_Not_End_At_The_Po_Root_And_Po_Chain_Must()
    {
        var poKey = new Ed25519PrivateKeyParameters(Enumerable.Repeat((byte)3, 32).ToArray(), 0);
        byte[] po = CertificateFactory.Issue("CN=PO", poKey.GeneratePublicKey(), "CN=PO", poKey, poKey.GeneratePublicKey(),
            new CertificateFactory.Options { Ca = true });
        byte[] ekUnderPo = CertificateFactory.Issue("CN=EK", A.EkKey.Public, "CN=PO", poKey, poKey.GeneratePublicKey(), EkLeaf);
        var v = Verifier(po, A.EkRootDer);
        Assert.Contains("PO root", Assert.Throws<CertificateException>(() => v.Verify(TokenCertificate.Parse(ekUnderPo), VerifyMode.Ek)).Message);
        byte[] caUnderEkRoot = IssueByRoot("CN=CA", A.EkIssuerKey.Public, new CertificateFactory.Options { Ca = true });
        Assert.Contains("Platform Owner", Assert.Throws<CertificateException>(() => v.Verify(TokenCertificate.Parse(caUnderEkRoot), VerifyMode.Po)).Message);
    }

    [Fact]
    public void Client_Supplied_Self_Signed_Root_Is_Not_Trusted()
    {
        var e = Assert.Throws<CertificateException>(() => Verifier().Verify(TokenCertificate.Parse(A.EkRootDer), VerifyMode.Normal));
        Assert.Contains("self-signed", e.Message);
    }

    [Fact]
    public void Garbage_And_Trailing_Bytes_Are_Parse_Errors()
    {
        Assert.Throws<CertificateException>(() => TokenCertificate.Parse([0x30, 0x03, 1, 2, 3]));
        Assert.Throws<CertificateException>(() => TokenCertificate.Parse([.. A.EkCertDer, 0]));
        Assert.Throws<CertificateException>(() => TokenCertificate.Parse(new byte[TokenCertificate.MaxDerSize + 1]));
    }

    [Fact]
    public void Deeply_Nested_Der_Is_Refused_Before_The_Recursive_Parser_Sees_It()
    {
        // 2000 nested SEQUENCEs (4-byte headers) inside the 8 KiB limit.
        const int levels = 2000;
        var der = new byte[levels * 4];
        for (int i = 0; i < levels; i++)
        {
            int inner = (levels - i - 1) * 4;
            der[i * 4] = 0x30;
            der[i * 4 + 1] = 0x82;
            der[i * 4 + 2] = (byte)(inner >> 8);
            der[i * 4 + 3] = (byte)inner;
        }
        var e = Assert.Throws<CertificateException>(() => TokenCertificate.Parse(der));
        Assert.Contains("nested deeper", e.Message);
        using var h = new EmulatorHarness();
        Assert.Equal(Fobnail.Token.Emulator.Core.ResponseCode.Forbidden,
            h.Post(Fobnail.Protocol.FobnailPaths.ProvisionEk, new Fobnail.Protocol.EkCertChain([der]).Encode()).Code);
    }
}
