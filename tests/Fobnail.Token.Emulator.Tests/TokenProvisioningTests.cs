using Fobnail.Protocol;
using Fobnail.Token.Emulator.Core;
using Fobnail.Token.Emulator.Led;
using Fobnail.Token.Emulator.Owner;
using Fobnail.Token.Emulator.Storage;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;

namespace Fobnail.Token.Emulator.Tests;

public class TokenProvisioningTests
{
    [Fact]
    public void Po_Chain_Gives_An_Ed25519_Csr_And_The_Issued_Certificate_Completes_Provisioning()
    {
        using var h = new EmulatorHarness(provisioned: false);
        Assert.False(h.Core.TokenProvisioned);
        Assert.Equal(LedState.TokenNotProvisioned, h.Core.Led.Current);
        OwnerChain owner = OwnerChain.LoadOrCreate(h.Flash, h.Random);
        TokenResponse csrResponse = h.Post(FobnailPaths.TokenProvision, new PoCertChain([owner.RootDer, owner.CaDer]).Encode());
        Assert.Equal(ResponseCode.Created, csrResponse.Code);
        Assert.Null(csrResponse.ContentFormat);

        var csr = new Pkcs10CertificationRequest(csrResponse.Payload);
        Assert.True(csr.Verify());
        var info = csr.GetCertificationRequestInfo();
        Assert.Equal("1.3.101.112", info.SubjectPublicKeyInfo.Algorithm.Algorithm.Id);
        Assert.Equal("O=Fobnail,SERIALNUMBER=0", info.Subject.ToString());
        // Each RDN in its own SET, O as UTF8String, serialNumber as PrintableString.
        var rdns = (Org.BouncyCastle.Asn1.Asn1Sequence)info.Subject.ToAsn1Object();
        Assert.Equal(2, rdns.Count);
        var o = (Org.BouncyCastle.Asn1.Asn1Sequence)((Org.BouncyCastle.Asn1.Asn1Set)rdns[0])[0];
        var sn = (Org.BouncyCastle.Asn1.Asn1Sequence)((Org.BouncyCastle.Asn1.Asn1Set)rdns[1])[0];
        Assert.IsType<Org.BouncyCastle.Asn1.DerUtf8String>(o[1]);
        Assert.IsType<Org.BouncyCastle.Asn1.DerPrintableString>(sn[1]);

        byte[] tokenKey = info.SubjectPublicKeyInfo.PublicKey.GetBytes();
        byte[] cert = owner.IssueTokenCertificate(tokenKey, "0");
        TokenResponse done = h.Post(FobnailPaths.ProvisionComplete, cert, null);
        Assert.Equal(ResponseCode.Created, done.Code);
        Assert.Empty(done.Payload);
        Assert.True(h.Core.TokenProvisioned);
        Assert.Equal(cert, h.Flash.ReadFile(FlashStore.TokenCertPath));
        Assert.Contains(LedState.TokenProvisioningComplete, h.Core.Led.History);
        Assert.Equal(LedState.TokenWaiting, h.Core.Led.Current);
        // Already provisioned: 4.04 (the docs say 4.03).
        Assert.Equal(ResponseCode.NotFound, h.Post(FobnailPaths.TokenProvision, new PoCertChain([owner.RootDer, owner.CaDer]).Encode()).Code);
        Assert.Equal(ResponseCode.NotFound, h.Post(FobnailPaths.ProvisionComplete, cert, null).Code);
    }

    [Fact]
    public void Po_Chain_Rules_Are_403()
    {
        using var h = new EmulatorHarness(provisioned: false);
        OwnerChain owner = OwnerChain.LoadOrCreate(h.Flash, h.Random);
        // Root missing, only root, wrong root, four certificates.
        Assert.Equal(ResponseCode.Forbidden, h.Post(FobnailPaths.TokenProvision, new PoCertChain([owner.CaDer]).Encode()).Code);
        Assert.Equal(ResponseCode.Forbidden, h.Post(FobnailPaths.TokenProvision, new PoCertChain([owner.RootDer]).Encode()).Code);
        Assert.Equal(ResponseCode.Forbidden, h.Post(FobnailPaths.TokenProvision, new PoCertChain([h.Attester.EkRootDer, h.Attester.EkIssuerDer]).Encode()).Code);
        Assert.Equal(ResponseCode.Forbidden, h.Post(FobnailPaths.TokenProvision,
            new PoCertChain([owner.RootDer, owner.CaDer, owner.CaDer, owner.CaDer]).Encode()).Code);
        // A non-CA certificate in the PO chain.
        var leafKey = new Ed25519PrivateKeyParameters(new byte[32], 0);
        byte[] leaf = CertificateFactory.Issue("CN=leaf", leafKey.GeneratePublicKey(), "O=Fobnail Emulator Owner,CN=Platform Owner Issuing CA",
            owner.CaKey, owner.CaKey.GeneratePublicKey(), new CertificateFactory.Options { Ca = false });
        Assert.Equal(ResponseCode.Forbidden, h.Post(FobnailPaths.TokenProvision, new PoCertChain([owner.RootDer, owner.CaDer, leaf]).Encode()).Code);
    }

    [Fact]
    public void Token_Provision_Rejects_A_One_Byte_Accept_With_406()
    {
        using var h = new EmulatorHarness(provisioned: false);
        OwnerChain owner = OwnerChain.LoadOrCreate(h.Flash, h.Random);
        var req = new TokenRequest(TokenMethod.Post, TokenRequest.Path(FobnailPaths.TokenProvision), 60, [[42]],
            new PoCertChain([owner.RootDer, owner.CaDer]).Encode());
        Assert.Equal(ResponseCode.NotAcceptable, h.Send(req).Code);
        Assert.Equal(ResponseCode.Created, h.Send(req with { Accept = [[0, 0, 0, 42]] }).Code);
    }

    [Fact]
    public void Provision_Complete_Refuses_A_Certificate_For_Another_Key()
    {
        using var h = new EmulatorHarness(provisioned: false);
        OwnerChain owner = OwnerChain.LoadOrCreate(h.Flash, h.Random);
        Assert.Equal(ResponseCode.Created, h.Post(FobnailPaths.TokenProvision, new PoCertChain([owner.RootDer, owner.CaDer]).Encode()).Code);
        byte[] other = new Ed25519PrivateKeyParameters(Enumerable.Repeat((byte)7, 32).ToArray(), 0).GeneratePublicKey().GetEncoded();
        Assert.Equal(ResponseCode.Forbidden, h.Post(FobnailPaths.ProvisionComplete, owner.IssueTokenCertificate(other, "0"), null).Code);
        Assert.False(h.Core.TokenProvisioned);
    }

    [Fact]
    public void Identity_Key_Is_Generated_Once_And_Kept()
    {
        using var h = new EmulatorHarness(provisioned: false);
        OwnerChain owner = OwnerChain.LoadOrCreate(h.Flash, h.Random);
        byte[] body = new PoCertChain([owner.RootDer, owner.CaDer]).Encode();
        var a = new Pkcs10CertificationRequest(h.Post(FobnailPaths.TokenProvision, body).Payload);
        var b = new Pkcs10CertificationRequest(h.Post(FobnailPaths.TokenProvision, body).Payload);
        Assert.Equal(a.GetCertificationRequestInfo().SubjectPublicKeyInfo.GetEncoded(),
            b.GetCertificationRequestInfo().SubjectPublicKeyInfo.GetEncoded());
    }

    [Fact]
    public void OpenSsl_Verifies_The_Csr_And_The_Issued_Token_Certificate_Chain()
    {
        using var h = new EmulatorHarness(provisioned: false);
        OwnerChain owner = OwnerChain.LoadOrCreate(h.Flash, h.Random);
        byte[] csr = h.Post(FobnailPaths.TokenProvision, new PoCertChain([owner.RootDer, owner.CaDer]).Encode()).Payload;
        string dir = Directory.CreateTempSubdirectory("fobnail-csr-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "csr.der"), csr);
            string text = Run(dir, "req -inform DER -in csr.der -verify -noout -text");
            Assert.Contains("verify OK", text);
            Assert.Contains("ED25519", text);
            Assert.Contains("O = Fobnail, serialNumber = 0", text);

            var info = new Pkcs10CertificationRequest(csr).GetCertificationRequestInfo();
            byte[] cert = owner.IssueTokenCertificate(info.SubjectPublicKeyInfo.PublicKey.GetBytes(), "0");
            Assert.Equal(ResponseCode.Created, h.Post(FobnailPaths.ProvisionComplete, cert, null).Code);
            File.WriteAllBytes(Path.Combine(dir, "root.der"), owner.RootDer);
            File.WriteAllBytes(Path.Combine(dir, "ca.der"), owner.CaDer);
            File.WriteAllBytes(Path.Combine(dir, "token.der"), cert);
            Run(dir, "x509 -inform DER -in root.der -out root.pem");
            Run(dir, "x509 -inform DER -in ca.der -out ca.pem");
            Run(dir, "x509 -inform DER -in token.der -out token.pem");
            Assert.Contains("token.pem: OK", Run(dir, "verify -CAfile root.pem -untrusted ca.pem token.pem"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Run(string dir, string args)
    {
        var r = Command.Run("openssl", args.Split(' '), new() { WorkingDirectory = dir }).EnsureSuccess();
        return r.Stdout + r.Stderr;
    }
}
