using Fobnail.Protocol;
using Fobnail.Token.Emulator.Core;
using Fobnail.Token.Emulator.Led;

namespace Fobnail.Token.Emulator.Tests;

public class AttestationTests
{
    [Fact]
    public void Attest_Returns_201_Cbor_Indefinite_Map_With_Default_Policy_And_Quote_Passes_With_204()
    {
        using var h = new EmulatorHarness();
        h.ProvisionPlatform();
        TokenResponse r = h.Post(FobnailPaths.Attest, h.Attester.SignedObject(h.Attester.Metadata.Encode(), h.Nonce()));
        Assert.Equal(ResponseCode.Created, r.Code);
        Assert.Equal(ContentFormats.Cbor, r.ContentFormat);
        Assert.Equal(69, r.Payload.Length);
        Assert.Equal(0xBF, r.Payload[0]);
        Assert.Equal(0xFF, r.Payload[^1]);
        byte[] nonce = r.Payload[9..41];
        byte[] expected = Convert.FromHexString("BF656E6F6E63655820" + Convert.ToHexString(nonce) +
            "6562616E6B7381A267616C676F5F69640B64706372731A000600FFFF");
        Assert.Equal(expected, r.Payload);

        TokenResponse ok = h.SendQuote(EmulatorHarness.Id(r), h.Attester.QuoteAttest(nonce));
        Assert.Equal(ResponseCode.Changed, ok.Code);
        Assert.Empty(ok.Payload);
        Assert.Equal(LedState.AttestationOk, h.Core.Led.Current);
        // The AC is removed after success.
        Assert.Equal(ResponseCode.NotFound, h.SendQuote(EmulatorHarness.Id(r), h.Attester.QuoteAttest(nonce)).Code);
    }

    [Fact]
    public void Unknown_Platform_Is_404_And_Missing_Nonce_Is_403()
    {
        using var h = new EmulatorHarness();
        Assert.Equal(ResponseCode.Forbidden, h.Post(FobnailPaths.Attest, h.Attester.SignedObject(h.Attester.Metadata.Encode(), new byte[32])).Code);
        Assert.Equal(ResponseCode.NotFound, h.Post(FobnailPaths.Attest, h.Attester.SignedObject(h.Attester.Metadata.Encode(), h.Nonce())).Code);
    }

    [Fact]
    public void Attest_With_Bad_Signature_Is_400_And_Garbage_Is_400_Invalid_Cbor()
    {
        using var h = new EmulatorHarness();
        h.ProvisionPlatform();
        byte[] meta = h.Attester.Metadata.Encode();
        TokenResponse r = h.Post(FobnailPaths.Attest, new SignedObject(meta, new byte[256]).Encode(), ep: null);
        Assert.Equal(ResponseCode.Forbidden, r.Code);  // no nonce yet
        h.Nonce();
        r = h.Post(FobnailPaths.Attest, new SignedObject(meta, new byte[256]).Encode());
        Assert.Equal(ResponseCode.BadRequest, r.Code);
        Assert.Equal("CBOR decode failed", r.PayloadText);
        h.Nonce();
        r = h.Post(FobnailPaths.Attest, [0x01]);
        Assert.Equal("Invalid CBOR", r.PayloadText);
    }

    [Fact]
    public void One_Byte_Accept_On_Attest_Is_406()
    {
        using var h = new EmulatorHarness();
        h.ProvisionPlatform();
        var req = new TokenRequest(TokenMethod.Post, TokenRequest.Path(FobnailPaths.Attest), 60, [[60]],
            h.Attester.SignedObject(h.Attester.Metadata.Encode(), h.Nonce()));
        Assert.Equal(ResponseCode.NotAcceptable, h.Send(req).Code);
    }

    [Fact]
    public void Changed_Pcr_Gives_403_Red_Led_And_The_Ac_Is_Kept_For_A_Retry()
    {
        using var h = new EmulatorHarness();
        h.ProvisionPlatform();
        (uint ac, byte[] nonce) = h.StartAttestation();
        byte[] saved = h.Attester.Pcrs[17];
        h.Attester.Pcrs[17] = new byte[32];
        try
        {
            TokenResponse bad = h.SendQuote(ac, h.Attester.QuoteAttest(nonce));
            Assert.Equal(ResponseCode.Forbidden, bad.Code);
            Assert.Equal(LedState.TokenWaiting, h.Core.Led.Current);
            Assert.Contains(LedState.AttestationFailed, h.Core.Led.History);
        }
        finally
        {
            h.Attester.Pcrs[17] = saved;
        }
        Assert.Equal(ResponseCode.Changed, h.SendQuote(ac, h.Attester.QuoteAttest(nonce)).Code);
    }

    [Fact]
    public void A_Pcr_Outside_The_Policy_Does_Not_Matter()
    {
        using var h = new EmulatorHarness();
        h.ProvisionPlatform();
        (uint ac, byte[] nonce) = h.StartAttestation();
        byte[] saved = h.Attester.Pcrs[9];
        h.Attester.Pcrs[9] = new byte[32];
        try
        {
            Assert.Equal(ResponseCode.Changed, h.SendQuote(ac, h.Attester.QuoteAttest(nonce)).Code);
        }
        finally
        {
            h.Attester.Pcrs[9] = saved;
        }
    }

    [Fact]
    public void Quote_Rule_Violations_Are_403()
    {
        using var h = new EmulatorHarness();
        h.ProvisionPlatform();
        (uint ac, byte[] nonce) = h.StartAttestation();
        var a = h.Attester;
        Assert.Equal(ResponseCode.Forbidden, h.SendQuote(ac, a.QuoteAttest(new byte[32])).Code);            // wrong nonce
        Assert.Equal(ResponseCode.Forbidden, h.SendQuote(ac, a.QuoteAttest(nonce, safe: 0)).Code);            // clock not safe
        Assert.Equal(ResponseCode.Forbidden, h.SendQuote(ac, a.QuoteAttest(nonce, select: 0x000000FF)).Code); // selection differs
        Assert.Equal(ResponseCode.Forbidden, h.SendQuote(ac, a.QuoteAttest(nonce, alg: 0x0004)).Code);        // wrong bank
        Assert.Equal(ResponseCode.Forbidden, h.SendQuote(ac, a.QuoteAttest(nonce, sizeofSelect: 5)).Code);    // sizeofSelect > 4
        byte[] q = a.QuoteAttest(nonce);
        Assert.Equal(ResponseCode.Forbidden, h.Post(FobnailPaths.AttestContext(ac), new SignedObject(q, a.Sign(q, [1])).Encode()).Code);
        // Everything right still passes on the same AC.
        Assert.Equal(ResponseCode.Changed, h.SendQuote(ac, a.QuoteAttest(nonce)).Code);
    }

    [Fact]
    public void Attest_Context_Path_Rules()
    {
        using var h = new EmulatorHarness();
        h.ProvisionPlatform();
        (uint ac, byte[] nonce) = h.StartAttestation();
        byte[] q = h.Attester.QuoteAttest(nonce);
        byte[] body = new SignedObject(q, h.Attester.Sign(q, [])).Encode();
        Assert.Equal(ResponseCode.NotFound, h.Post(FobnailPaths.AttestContext(ac) + "/x", body).Code);
        Assert.Equal(ResponseCode.NotFound, h.Post(FobnailPaths.Attest + "/abc", body).Code);
        Assert.Equal(ResponseCode.NotFound, h.Post(FobnailPaths.AttestContext(ac + 1), body).Code);
        Assert.Equal(ResponseCode.BadRequest, h.Post(FobnailPaths.AttestContext(ac), body, ContentFormats.OctetStream).Code);
        Assert.Equal(ResponseCode.Changed, h.Post(FobnailPaths.AttestContext(ac), body).Code);
    }

    [Fact]
    public void Nonce_Does_Not_Invalidate_Attestation_Contexts()
    {
        using var h = new EmulatorHarness();
        h.ProvisionPlatform();
        (uint ac, byte[] nonce) = h.StartAttestation();
        h.Nonce();
        Assert.Equal(ResponseCode.Changed, h.SendQuote(ac, h.Attester.QuoteAttest(nonce)).Code);
    }

    [Fact]
    public void Quote_With_More_Than_8_Banks_Is_Refused_By_The_Parser_Limit()
    {
        byte[] q = EmulatorHarness.SharedAttester.QuoteAttest(new byte[32]);
        // TPML_PCR_SELECTION.count sits after magic(4) type(2) signer(2+34) extra(2+32) clock(17) fw(8).
        int countAt = 4 + 2 + 2 + 34 + 2 + 32 + 17 + 8;
        Assert.Equal(1, q[countAt + 3]);
        q[countAt + 3] = 9;
        var e = Assert.Throws<Fobnail.Token.Emulator.Tpm.TpmParseException>(() => Fobnail.Token.Emulator.Tpm.QuoteAttest.Parse(q));
        Assert.Contains("count 9", e.Message);
    }
}
