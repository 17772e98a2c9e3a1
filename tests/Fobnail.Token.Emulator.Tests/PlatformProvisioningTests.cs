using Fobnail.Protocol;
using Fobnail.Token.Emulator.Core;
using Fobnail.Token.Emulator.Storage;

namespace Fobnail.Token.Emulator.Tests;

public class PlatformProvisioningTests
{
    [Fact]
    public void Full_Provisioning_Gives_The_Spec_Codes_And_Writes_Flash_Files()
    {
        using var h = new EmulatorHarness();
        TokenResponse ek = h.Post(FobnailPaths.ProvisionEk, h.Attester.EkChain.Encode());
        Assert.Equal(ResponseCode.Created, ek.Code);
        Assert.Null(ek.ContentFormat);
        Assert.Empty(ek.Payload);
        Assert.Matches("^[0-9]+$", ek.LocationPath);

        TokenResponse aik = h.Post(FobnailPaths.ProvisionAik, new AikRequest(h.Attester.AikTpm2bPublic, EmulatorHarness.Id(ek)).Encode());
        Assert.Equal(ResponseCode.Created, aik.Code);
        Assert.Equal(ContentFormats.Cbor, aik.ContentFormat);
        AikChallenge ch = AikChallenge.Decode(aik.Payload);
        Assert.Equal(70, ch.IdObject.Length);
        Assert.Equal(258, ch.EncSecret.Length);

        byte[] secret = h.Attester.ActivateCredential(ch);
        TokenResponse pc = h.Post(FobnailPaths.Provision, new ProvisionRequest(EmulatorHarness.Id(ek), EmulatorHarness.Id(aik), secret).Encode());
        Assert.Equal(ResponseCode.Created, pc.Code);
        uint pcId = EmulatorHarness.Id(pc);

        byte[] meta = h.Attester.Metadata.Encode();
        Assert.Equal(ResponseCode.Created, h.Post(FobnailPaths.ProvisionMeta(pcId), h.Attester.SignedObject(meta, h.Nonce())).Code);
        // Replacing: 2.04.
        Assert.Equal(ResponseCode.Changed, h.Post(FobnailPaths.ProvisionMeta(pcId), h.Attester.SignedObject(meta, h.Nonce())).Code);
        byte[] rim = h.Attester.Rim().Encode();
        Assert.Equal(ResponseCode.Created, h.Post(FobnailPaths.ProvisionRim(pcId), h.Attester.SignedObject(rim, h.Nonce())).Code);
        Assert.Equal(ResponseCode.Changed, h.Post(FobnailPaths.ProvisionRim(pcId), h.Attester.SignedObject(rim, h.Nonce())).Code);
        TokenResponse commit = h.Post(FobnailPaths.ProvisionCommit(pcId), [], null);
        Assert.Equal(ResponseCode.Changed, commit.Code);

        byte[] hash = System.Security.Cryptography.SHA256.HashData(meta);
        Assert.Equal(rim, h.Flash.ReadFile(FlashStore.RimPath(hash)));
        AikPublicKey stored = AikPublicKey.Decode(h.Flash.ReadFile(FlashStore.AikPath(hash))!);
        Assert.Equal(65537u, stored.E);
        Assert.Equal(256, stored.N.Length);
        // The PC is gone after the commit.
        Assert.Equal(ResponseCode.NotFound, h.Post(FobnailPaths.ProvisionCommit(pcId), [], null).Code);
    }

    [Fact]
    public void Identical_Metadata_Cannot_Be_Provisioned_Twice()
    {
        using var h = new EmulatorHarness();
        h.ProvisionPlatform();
        uint pc = h.StartProvisioning();
        Assert.Equal(ResponseCode.Created, h.Post(FobnailPaths.ProvisionMeta(pc), h.Attester.SignedObject(h.Attester.Metadata.Encode(), h.Nonce())).Code);
        Assert.Equal(ResponseCode.Created, h.Post(FobnailPaths.ProvisionRim(pc), h.Attester.SignedObject(h.Attester.Rim().Encode(), h.Nonce())).Code);
        Assert.Equal(ResponseCode.Forbidden, h.Post(FobnailPaths.ProvisionCommit(pc), [], null).Code);
    }

    [Fact]
    public void Commit_Without_Rim_Is_403_And_Deletes_The_Pc()
    {
        using var h = new EmulatorHarness();
        uint pc = h.StartProvisioning();
        Assert.Equal(ResponseCode.Created, h.Post(FobnailPaths.ProvisionMeta(pc), h.Attester.SignedObject(h.Attester.Metadata.Encode(), h.Nonce())).Code);
        Assert.Equal(ResponseCode.Forbidden, h.Post(FobnailPaths.ProvisionCommit(pc), [], null).Code);
        Assert.Equal(ResponseCode.NotFound, h.Post(FobnailPaths.ProvisionRim(pc), h.Attester.SignedObject(h.Attester.Rim().Encode(), h.Nonce())).Code);
    }

    [Fact]
    public void Upload_Without_Nonce_Is_403()
    {
        using var h = new EmulatorHarness();
        uint pc = h.StartProvisioning();
        TokenResponse r = h.Post(FobnailPaths.ProvisionMeta(pc), h.Attester.SignedObject(h.Attester.Metadata.Encode(), new byte[32]));
        Assert.Equal(ResponseCode.Forbidden, r.Code);
        Assert.Equal("Forbidden", r.PayloadText);
    }

    [Fact]
    public void A_Nonce_Is_Consumed_Even_By_A_Request_That_Fails_With_404()
    {
        using var h = new EmulatorHarness();
        uint pc = h.StartProvisioning();
        byte[] nonce = h.Nonce();
        byte[] signed = h.Attester.SignedObject(h.Attester.Metadata.Encode(), nonce);
        Assert.Equal(ResponseCode.NotFound, h.Post(FobnailPaths.ProvisionMeta(pc + 1), signed).Code);
        // Same nonce, correct PC: the nonce is gone.
        Assert.Equal(ResponseCode.Forbidden, h.Post(FobnailPaths.ProvisionMeta(pc), signed).Code);
    }

    [Fact]
    public void A_Bad_Signature_Is_400_Not_403_And_Burns_The_Nonce()
    {
        using var h = new EmulatorHarness();
        uint pc = h.StartProvisioning();
        byte[] nonce = h.Nonce();
        byte[] meta = h.Attester.Metadata.Encode();
        byte[] sig = h.Attester.Sign(meta, nonce);
        sig[10] ^= 0x40;
        TokenResponse r = h.Post(FobnailPaths.ProvisionMeta(pc), new SignedObject(meta, sig).Encode());
        Assert.Equal(ResponseCode.BadRequest, r.Code);
        Assert.Equal("CBOR decode failed", r.PayloadText);
        Assert.Equal(ResponseCode.Forbidden, h.Post(FobnailPaths.ProvisionMeta(pc), h.Attester.SignedObject(meta, nonce)).Code);
    }

    [Fact]
    public void A_New_Nonce_Replaces_The_Old_One()
    {
        using var h = new EmulatorHarness();
        uint pc = h.StartProvisioning();
        byte[] first = h.Nonce();
        h.Nonce();
        Assert.Equal(ResponseCode.BadRequest,
            h.Post(FobnailPaths.ProvisionMeta(pc), h.Attester.SignedObject(h.Attester.Metadata.Encode(), first)).Code);
    }

    [Fact]
    public void Commit_Clears_The_Stored_Nonce()
    {
        using var h = new EmulatorHarness();
        uint pc = h.StartProvisioning();
        uint pc2 = h.StartProvisioning();
        byte[] nonce = h.Nonce();
        Assert.Equal(ResponseCode.Forbidden, h.Post(FobnailPaths.ProvisionCommit(pc), [], null).Code);
        Assert.Equal(ResponseCode.Forbidden,
            h.Post(FobnailPaths.ProvisionMeta(pc2), h.Attester.SignedObject(h.Attester.Metadata.Encode(), nonce)).Code);
    }

    [Theory]
    [InlineData(2, "QEMU", "PC", "1", "Unsupported metadata version")]
    [InlineData(1, "", "PC", "1", "Manufacturer is missing")]
    [InlineData(1, "QEMU", "", "1", "Product name is missing")]
    [InlineData(1, "QEMU", "PC", "", "Serial is missing")]
    public void Metadata_Rules_Give_400_With_The_Firmware_Texts(int version, string manufacturer, string product, string serial, string text)
    {
        using var h = new EmulatorHarness();
        uint pc = h.StartProvisioning();
        byte[] meta = new Metadata((byte)version, new byte[6], manufacturer, product, serial).Encode();
        TokenResponse r = h.Post(FobnailPaths.ProvisionMeta(pc), h.Attester.SignedObject(meta, h.Nonce()));
        Assert.Equal(ResponseCode.BadRequest, r.Code);
        Assert.Equal(text, r.PayloadText);
        Assert.Equal((ushort)0, r.ContentFormat);
    }

    [Fact]
    public void FirmwareDifference_Oversize_Metadata_Is_Rejected_Where_The_Firmware_Would_Later_Panic()
    {
        using var h = new EmulatorHarness();
        uint pc = h.StartProvisioning();
        byte[] meta = new Metadata(1, new byte[6], "M", "P", new string('s', 1100)).Encode();
        TokenResponse r = h.Post(FobnailPaths.ProvisionMeta(pc), h.Attester.SignedObject(meta, h.Nonce()));
        Assert.Equal(ResponseCode.BadRequest, r.Code);
        Assert.Equal("Metadata too big", r.PayloadText);
        Assert.Contains(h.Sink.Lines, l => l.Contains("FIRMWARE DIFFERENCE") && l.Contains("panic"));
    }

    [Fact]
    public void Inconsistent_Rim_Is_400_Invalid_Rim()
    {
        using var h = new EmulatorHarness();
        uint pc = h.StartProvisioning();
        byte[] rim = new Rim(0, [new PcrBank(0x0B, 0x7, [new byte[32], new byte[32]])]).Encode();
        TokenResponse r = h.Post(FobnailPaths.ProvisionRim(pc), h.Attester.SignedObject(rim, h.Nonce()));
        Assert.Equal(ResponseCode.BadRequest, r.Code);
        Assert.Equal("Invalid RIM", r.PayloadText);
        rim = new Rim(0, [new PcrBank(0x0B, 0x3, [new byte[32], new byte[20]])]).Encode();
        Assert.Equal("Invalid RIM", h.Post(FobnailPaths.ProvisionRim(pc), h.Attester.SignedObject(rim, h.Nonce())).PayloadText);
    }

    [Fact]
    public void Rim_Over_6000_Bytes_Is_400_Rim_Too_Big()
    {
        using var h = new EmulatorHarness();
        uint pc = h.StartProvisioning();
        var banks = new List<PcrBank>();
        for (int b = 0; b < 4; b++)
            banks.Add(new PcrBank((ushort)(0x0B + b), 0x00FFFFFF, Enumerable.Range(0, 24).Select(_ => new byte[64]).ToArray()));
        byte[] rim = new Rim(0, banks).Encode();
        Assert.True(rim.Length > 6000);
        TokenResponse r = h.Post(FobnailPaths.ProvisionRim(pc), h.Attester.SignedObject(rim, h.Nonce()));
        Assert.Equal(ResponseCode.BadRequest, r.Code);
        Assert.Equal("RIM too big", r.PayloadText);
    }

    [Fact]
    public void Ek_And_Aik_Are_Removed_Before_Verification_So_A_Wrong_Secret_Cannot_Be_Retried()
    {
        using var h = new EmulatorHarness();
        uint ek = EmulatorHarness.Id(h.Post(FobnailPaths.ProvisionEk, h.Attester.EkChain.Encode()));
        TokenResponse aik = h.Post(FobnailPaths.ProvisionAik, new AikRequest(h.Attester.AikTpm2bPublic, ek).Encode());
        uint aikId = EmulatorHarness.Id(aik);
        byte[] secret = h.Attester.ActivateCredential(AikChallenge.Decode(aik.Payload));
        byte[] wrong = (byte[])secret.Clone();
        wrong[0] ^= 1;
        Assert.Equal(ResponseCode.Forbidden, h.Post(FobnailPaths.Provision, new ProvisionRequest(ek, aikId, wrong).Encode()).Code);
        Assert.Equal(ResponseCode.NotFound, h.Post(FobnailPaths.Provision, new ProvisionRequest(ek, aikId, secret).Encode()).Code);
    }

    [Fact]
    public void Aik_For_An_Unknown_Ek_Is_404_And_A_Bad_Aik_Template_Is_403()
    {
        using var h = new EmulatorHarness();
        Assert.Equal(ResponseCode.NotFound, h.Post(FobnailPaths.ProvisionAik, new AikRequest(h.Attester.AikTpm2bPublic, 7).Encode()).Code);
        uint ek = EmulatorHarness.Id(h.Post(FobnailPaths.ProvisionEk, h.Attester.EkChain.Encode()));
        byte[] restricted = h.Attester.AikTpm2bPublic;
        restricted[9] |= 0x01;  // objectAttributes bit 16: restricted
        Assert.Equal(ResponseCode.Forbidden, h.Post(FobnailPaths.ProvisionAik, new AikRequest(restricted, ek).Encode()).Code);
    }

    [Fact]
    public void Ek_Chain_Failures_Are_403()
    {
        using var h = new EmulatorHarness();
        var a = h.Attester;
        // Root included: a client-supplied self-signed certificate is not trusted.
        Assert.Equal(ResponseCode.Forbidden, h.Post(FobnailPaths.ProvisionEk, new EkCertChain([a.EkRootDer, a.EkIssuerDer, a.EkCertDer]).Encode()).Code);
        Assert.Equal(ResponseCode.Forbidden, h.Post(FobnailPaths.ProvisionEk, new EkCertChain([a.EkCertDer]).Encode()).Code);
        Assert.Equal(ResponseCode.Forbidden, h.Post(FobnailPaths.ProvisionEk, new EkCertChain([a.EkCertDer, a.EkIssuerDer]).Encode()).Code);
        Assert.Equal(ResponseCode.Forbidden, h.Post(FobnailPaths.ProvisionEk, new EkCertChain([]).Encode()).Code);
        Assert.Equal(ResponseCode.Forbidden, h.Post(FobnailPaths.ProvisionEk, new EkCertChain([[1, 2, 3]]).Encode()).Code);
    }

    [Fact]
    public void Wrong_Content_Format_Is_400_And_Missing_Means_Octet_Stream()
    {
        using var h = new EmulatorHarness();
        TokenResponse r = h.Post(FobnailPaths.ProvisionEk, h.Attester.EkChain.Encode(), ContentFormats.OctetStream);
        Assert.Equal(ResponseCode.BadRequest, r.Code);
        Assert.Equal("Unsupported Content-Format for this request", r.PayloadText);
        Assert.Equal(ResponseCode.BadRequest, h.Post(FobnailPaths.ProvisionEk, h.Attester.EkChain.Encode(), null).Code);
    }

    [Fact]
    public void Strict_Cbor_Non_Minimal_Integers_Indefinite_Lengths_And_Unknown_Keys_Not_Last_Are_400()
    {
        using var h = new EmulatorHarness();
        // {"ek": 5 as 18 05, "aik": 1, "secret": h''}
        byte[] nonMinimal = Convert.FromHexString("A3" + "62656B" + "1805" + "6361696B" + "01" + "66736563726574" + "40");
        TokenResponse r = h.Post(FobnailPaths.Provision, nonMinimal);
        Assert.Equal(ResponseCode.BadRequest, r.Code);
        Assert.Equal("CBOR decode failed", r.PayloadText);
        byte[] indefinite = Convert.FromHexString("BF" + "62656B" + "05" + "6361696B" + "01" + "66736563726574" + "40" + "FF");
        Assert.Equal(ResponseCode.BadRequest, h.Post(FobnailPaths.Provision, indefinite).Code);
        // cbor-smol 0.4 skips an unknown key only as the top-level map's last entry (FirmwareLikenessTests).
        byte[] extraKeyFirst = Convert.FromHexString("A4" + "6178" + "00" + "62656B" + "05" + "6361696B" + "01" + "66736563726574" + "40");
        Assert.Equal(ResponseCode.BadRequest, h.Post(FobnailPaths.Provision, extraKeyFirst).Code);
        byte[] extraKeyLast = Convert.FromHexString("A4" + "62656B" + "05" + "6361696B" + "01" + "66736563726574" + "40" + "6178" + "00");
        Assert.Equal(ResponseCode.NotFound, h.Post(FobnailPaths.Provision, extraKeyLast).Code);
        // The same message minimally encoded reaches the handler (unknown EK → 4.04).
        byte[] good = Convert.FromHexString("A3" + "62656B" + "05" + "6361696B" + "01" + "66736563726574" + "40");
        Assert.Equal(ResponseCode.NotFound, h.Post(FobnailPaths.Provision, good).Code);
    }

    [Fact]
    public void One_Byte_Accept_On_Aik_Is_406_But_A_Four_Byte_Accept_Works()
    {
        using var h = new EmulatorHarness();
        uint ek = EmulatorHarness.Id(h.Post(FobnailPaths.ProvisionEk, h.Attester.EkChain.Encode()));
        byte[] body = new AikRequest(h.Attester.AikTpm2bPublic, ek).Encode();
        var oneByte = new TokenRequest(TokenMethod.Post, TokenRequest.Path(FobnailPaths.ProvisionAik), 60, [[60]], body);
        TokenResponse r = h.Send(oneByte);
        Assert.Equal(ResponseCode.NotAcceptable, r.Code);
        Assert.Equal("Not acceptable", r.PayloadText);
        var fourBytes = oneByte with { Accept = [[0, 0, 0, 60]] };
        Assert.Equal(ResponseCode.Created, h.Send(fourBytes).Code);
    }

    [Fact]
    public void FirmwareDifference_Rsa8192_Aik_Is_Refused_Where_The_Firmware_Would_Panic_Hashing_Its_Name()
    {
        using var h = new EmulatorHarness();
        uint ek = EmulatorHarness.Id(h.Post(FobnailPaths.ProvisionEk, h.Attester.EkChain.Encode()));
        byte[] aik8192 = [.. Convert.FromHexString("04160001000B00060472000000100010200000000000" + "0400"), .. new byte[1024]];
        Assert.Equal(1048, aik8192.Length);
        Assert.Contains("would panic", Assert.Throws<Fobnail.Token.Emulator.Tpm.TpmParseException>(
            () => Fobnail.Token.Emulator.Tpm.AikPublic.Parse(aik8192)).Message);
        Assert.Equal(ResponseCode.Forbidden, h.Post(FobnailPaths.ProvisionAik, new AikRequest(aik8192, ek).Encode()).Code);
    }

    [Fact]
    public void An_Ed25519_Ek_Is_Accepted_At_Ek_But_Refused_For_Credential_Activation()
    {
        using var h = new EmulatorHarness();
        var a = h.Attester;
        var edKey = new Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters(new byte[32], 0).GeneratePublicKey();
        byte[] edEk = Fobnail.Token.Emulator.Owner.CertificateFactory.Issue("CN=Ed25519 EK", edKey, SoftwareAttester.EkIssuerName,
            a.EkIssuerKey.Private, a.EkIssuerKey.Public,
            new Fobnail.Token.Emulator.Owner.CertificateFactory.Options { Ca = false, KeyUsage = Org.BouncyCastle.Asn1.X509.KeyUsage.KeyEncipherment });
        TokenResponse ek = h.Post(FobnailPaths.ProvisionEk, new EkCertChain([a.EkIssuerDer, edEk]).Encode());
        Assert.Equal(ResponseCode.Created, ek.Code);
        Assert.Equal(ResponseCode.Forbidden, h.Post(FobnailPaths.ProvisionAik, new AikRequest(a.AikTpm2bPublic, EmulatorHarness.Id(ek)).Encode()).Code);
    }
}
