using Fobnail.Cbor;
using Fobnail.Protocol.Tests.Support;

namespace Fobnail.Protocol.Tests.Protocol;

/// <summary>Byte-exact vectors taken from docs/fobnail-protocol.md (section numbers in each test).</summary>
public class MessageVectorTests
{
    private static readonly byte[] Nonce = Enumerable.Range(0, 32).Select(i => (byte)(0xA0 + i)).ToArray();

    [Fact]
    public void VersionResponse_5_1()
    {
        byte[] expected = Hex.Parse("A1 68 76657273696F6E73 81 01");
        Assert.Equal(expected, new VersionResponse([1]).Encode());
        var decoded = VersionResponse.Decode(expected);
        Assert.Equal([1u], decoded.Versions);
        Assert.True(decoded.Supports(1));
    }

    [Fact]
    public void QuoteRequest_5_5_Is69BytesIndefiniteMap()
    {
        byte[] expected = Hex.Parse("BF 65 6E6F6E6365 58 20" + Hex.Of(Nonce) +
            "65 62616E6B73 81 A2 67 616C676F5F6964 0B 64 70637273 1A 000600FF FF");
        Assert.Equal(69, expected.Length);
        var message = new QuoteRequest(Nonce, DefaultPolicy.Banks);
        Assert.Equal(expected, message.Encode());

        var decoded = QuoteRequest.Decode(expected);
        Assert.Equal(Nonce, decoded.Nonce);
        Assert.Equal([new BankSelection(TpmAlgorithmId.Sha256, 0x000600FF)], decoded.Banks);
        // The token's indefinite map is not what its own decoder accepts: strict mode refuses it.
        Assert.Throws<ProtocolDecodeException>(() => QuoteRequest.Decode(expected, CborConformance.Strict));
    }

    [Fact]
    public void SignedObject_5_0_OuterShape()
    {
        byte[] inner = new byte[300];
        byte[] sig = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        byte[] encoded = new SignedObject(inner, sig).Encode();
        // A2 64 "data" 59 012C <300> 69 "signature" 59 0100 <256>
        Assert.Equal("A2" + "6464617461" + "59012C", Hex.Of(encoded.AsSpan(0, 9)));
        Assert.Equal("697369676E6174757265" + "590100", Hex.Of(encoded.AsSpan(9 + 300, 13)));
        Assert.Equal(9 + 300 + 13 + 256, encoded.Length);
        var d = SignedObject.Decode(encoded);
        Assert.Equal(inner, d.Data);
        Assert.Equal(sig, d.Signature);

        // Data of 100 bytes uses the one-byte length form 58.
        Assert.Equal("A264646174615864", Hex.Of(new SignedObject(new byte[100], sig).Encode().AsSpan(0, 8)));
    }

    [Fact]
    public void Metadata_6_3_KeyOrderAndEncoding()
    {
        var m = new Metadata(1, [0x52, 0x54, 0x00, 0x12, 0x34, 0x56], "QEMU", "Standard PC (Q35 + ICH9, 2009)", "");
        byte[] expected = Hex.Parse(
            "A5 67 76657273696F6E 01 63 6D6163 46 525400123456 " +
            "6C 6D616E756661637475726572 64 51454D55 " +
            "6C 70726F647563745F6E616D65 78 1E " + Hex.Of("Standard PC (Q35 + ICH9, 2009)"u8) + " " +
            "6D 73657269616C5F6E756D626572 60");
        Assert.Equal(expected, m.Encode());
        var d = Metadata.Decode(expected);
        Assert.Equal(m.Manufacturer, d.Manufacturer);
        Assert.Equal(m.ProductName, d.ProductName);
        Assert.Equal("", d.SerialNumber);
        Assert.Equal(m.Mac, d.Mac);
        Assert.Equal(1, d.Version);
    }

    [Fact]
    public void Metadata_DecodeAcceptsAnyKeyOrderButNoOtherKeys()
    {
        var w = new CborWriter();
        w.WriteStartMap(5);
        w.WriteTextString("serial_number"); w.WriteTextString("S");
        w.WriteTextString("mac"); w.WriteByteString(new byte[6]);
        w.WriteTextString("version"); w.WriteUInt32(1);
        w.WriteTextString("product_name"); w.WriteTextString("P");
        w.WriteTextString("manufacturer"); w.WriteTextString("M");
        w.WriteEndMap();
        Assert.Equal("S", Metadata.Decode(w.Encode()).SerialNumber);

        // The docs' "model"/"sn" keys are wrong for the code (§6.1) and must be refused.
        var bad = new CborWriter();
        bad.WriteStartMap(5);
        bad.WriteTextString("version"); bad.WriteUInt32(1);
        bad.WriteTextString("mac"); bad.WriteByteString(new byte[6]);
        bad.WriteTextString("manufacturer"); bad.WriteTextString("M");
        bad.WriteTextString("model"); bad.WriteTextString("P");
        bad.WriteTextString("sn"); bad.WriteTextString("S");
        bad.WriteEndMap();
        var e = Assert.Throws<ProtocolDecodeException>(() => Metadata.Decode(bad.Encode()));
        Assert.Contains("unknown key \"model\"", e.Message);
    }

    [Fact]
    public void Metadata_MacMustBeSixBytes()
    {
        byte[] enc = Hex.Parse("A5 67 76657273696F6E 01 63 6D6163 45 5254001234 6C 6D616E756661637475726572 61 4D 6C 70726F647563745F6E616D65 61 50 6D 73657269616C5F6E756D626572 61 53");
        Assert.Throws<ProtocolDecodeException>(() => Metadata.Decode(enc));
    }

    [Fact]
    public void EkCertChain_5_4a()
    {
        var chain = new EkCertChain([[0x30, 0x82], [0x30, 0x03, 0x01]]);
        byte[] expected = Hex.Parse("A1 65 6365727473 82 42 3082 43 300301");
        Assert.Equal(expected, chain.Encode());
        var d = EkCertChain.Decode(expected);
        Assert.Equal(2, d.Certs.Count);
        Assert.Equal(new byte[] { 0x30, 0x03, 0x01 }, d.Certs[1]);
        Assert.Equal(expected, new PoCertChain(d.Certs).Encode());
        Assert.Equal(expected, PoCertChain.Decode(expected).Encode());
    }

    [Fact]
    public void AikRequest_5_4b()
    {
        byte[] aik = new byte[280];
        aik[0] = 0x01; aik[1] = 0x16;
        byte[] enc = new AikRequest(aik, 3735928559).Encode();
        // A2 63 "aik" 59 0118 <280> 62 "ek" 1A DEADBEEF
        Assert.Equal("A2" + "6361696B" + "590118", Hex.Of(enc.AsSpan(0, 8)));
        Assert.Equal("62656B" + "1ADEADBEEF", Hex.Of(enc.AsSpan(8 + 280)));
        var d = AikRequest.Decode(enc);
        Assert.Equal(3735928559u, d.Ek);
        Assert.Equal(aik, d.Aik);
    }

    [Fact]
    public void AikChallenge_5_4b()
    {
        byte[] id = new byte[70], sec = new byte[258];
        byte[] enc = new AikChallenge(id, sec).Encode();
        Assert.Equal("A2" + "68" + Hex.Of("idObject"u8) + "5846", Hex.Of(enc.AsSpan(0, 12)));
        Assert.Equal("69" + Hex.Of("encSecret"u8) + "590102", Hex.Of(enc.AsSpan(12 + 70, 13)));
        Assert.Equal(12 + 70 + 13 + 258, enc.Length);
        var d = AikChallenge.Decode(enc);
        Assert.Equal(70, d.IdObject.Length);
        Assert.Equal(258, d.EncSecret.Length);
    }

    [Fact]
    public void ProvisionRequest_5_4c()
    {
        byte[] secret = Enumerable.Repeat((byte)0x11, 32).ToArray();
        byte[] expected = Hex.Parse("A3 62 656B 05 63 61696B 19012C 66 736563726574 5820" + Hex.Of(secret));
        Assert.Equal(expected, new ProvisionRequest(5, 300, secret).Encode());
        var d = ProvisionRequest.Decode(expected);
        Assert.Equal((5u, 300u), (d.Ek, d.Aik));
        Assert.Equal(secret, d.Secret);
    }

    [Fact]
    public void Rim_8_1()
    {
        byte[] d0 = Enumerable.Repeat((byte)0xAA, 32).ToArray(), d1 = Enumerable.Repeat((byte)0xBB, 32).ToArray();
        var rim = new Rim(42, [new PcrBank(TpmAlgorithmId.Sha256, 0b101, [d0, d1])]);
        byte[] expected = Hex.Parse(
            "A2 6A 7570646174655F637472 18 2A 65 62616E6B73 81 " +
            "A3 67 616C676F5F6964 0B 64 70637273 05 63 706372 82 5820" + Hex.Of(d0) + " 5820" + Hex.Of(d1));
        Assert.Equal(expected, rim.Encode());
        var d = Rim.Decode(expected);
        Assert.Equal(42u, d.UpdateCtr);
        Assert.True(d.IsConsistent);
        Assert.Equal(d1, d.Banks[0].DigestOf(2));
        Assert.Null(d.Banks[0].DigestOf(1));
        Assert.False(new Rim(0, [new PcrBank(TpmAlgorithmId.Sha256, 0b111, [d0, d1])]).IsConsistent);
        Assert.False(new Rim(0, [new PcrBank(TpmAlgorithmId.Sha256, 0b11, [d0, new byte[20]])]).IsConsistent);
    }

    [Fact]
    public void AikPublicKey_5_4f()
    {
        byte[] n = new byte[256];
        n[0] = 0xC0;
        byte[] enc = new AikPublicKey(n, 65537).Encode();
        Assert.Equal("A2" + "616E" + "590100", Hex.Of(enc.AsSpan(0, 6)));
        Assert.Equal("6165" + "1A00010001", Hex.Of(enc.AsSpan(6 + 256)));
        var d = AikPublicKey.Decode(enc);
        Assert.Equal(65537u, d.E);
        Assert.Equal(n, d.N);
    }

    [Theory]
    [InlineData("A0", "missing key \"data\"")]
    [InlineData("A2 64 64617461 40 64 64617461 40", "duplicate key")]
    [InlineData("A3 64 64617461 40 69 7369676E6174757265 40 61 78 00", "map has 3 entries")]
    [InlineData("A2 64 64617461 40 01 40", "not a text string")]
    [InlineData("A2 64 64617461 40 69 7369676E6174757265 60", "expected ByteString")]
    [InlineData("A2 64 64617461 40 69 7369676E6174757265 4001", "trailing bytes")]
    [InlineData("A2 64 64617461 40 69 7369676E6174757265 58 00", "non-minimal")]
    public void SignedObject_StrictDecodeRejects(string hex, string reason)
    {
        var e = Assert.Throws<ProtocolDecodeException>(() => SignedObject.Decode(Hex.Parse(hex)));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void DecodersRejectOversizeInput()
    {
        Assert.Throws<ProtocolDecodeException>(() => SignedObject.Decode(new byte[ProtocolLimits.MaxMessage + 1]));
    }

    [Fact]
    public void PathsAndObjectIds()
    {
        Assert.Equal("/api/v1/admin/provision/3735928559/meta", FobnailPaths.ProvisionMeta(3735928559));
        Assert.Equal("/api/v1/admin/provision/7/rim", FobnailPaths.ProvisionRim(7));
        Assert.Equal("/api/v1/admin/provision/7", FobnailPaths.ProvisionCommit(7));
        Assert.Equal("/api/v1/attest/9", FobnailPaths.AttestContext(9));
        Assert.Equal("/api/v1/storage/fs/key.bin", FobnailPaths.StorageFile("key.bin"));
        Assert.True(FobnailPaths.TryParseObjectId("3735928559", out uint id));
        Assert.Equal(3735928559u, id);
        Assert.False(FobnailPaths.TryParseObjectId("4294967296", out _));
        Assert.False(FobnailPaths.TryParseObjectId("+1", out _));
        Assert.False(FobnailPaths.TryParseObjectId(" 1", out _));
        Assert.False(FobnailPaths.TryParseObjectId("", out _));
        Assert.Equal(0x000600FFu, DefaultPolicy.Pcrs);
    }
}
