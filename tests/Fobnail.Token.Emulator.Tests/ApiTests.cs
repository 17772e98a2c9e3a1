using Fobnail.Protocol;
using Fobnail.Token.Emulator.Core;

namespace Fobnail.Token.Emulator.Tests;

public class ApiTests
{
    [Fact]
    public void Version_Is_205_With_MaxAge0_No_ContentFormat_And_The_Exact_Bytes()
    {
        using var h = new EmulatorHarness();
        TokenResponse r = h.Get("/api/version");
        Assert.Equal(ResponseCode.Content, r.Code);
        Assert.True(r.MaxAgeZero);
        Assert.Null(r.ContentFormat);
        Assert.Equal(Convert.FromHexString("A16876657273696F6E738101"), r.Payload);
    }

    [Fact]
    public void Version_Works_On_An_Unprovisioned_Token_Too()
    {
        using var h = new EmulatorHarness(provisioned: false);
        Assert.Equal(ResponseCode.Content, h.Get("/api/version").Code);
    }

    [Fact]
    public void Nonce_Is_32_Raw_Bytes_205_MaxAge0_No_ContentFormat_And_Fresh_Each_Time()
    {
        using var h = new EmulatorHarness();
        TokenResponse a = h.Get(FobnailPaths.Nonce);
        TokenResponse b = h.Get(FobnailPaths.Nonce);
        Assert.Equal(ResponseCode.Content, a.Code);
        Assert.True(a.MaxAgeZero);
        Assert.Null(a.ContentFormat);
        Assert.Equal(32, a.Payload.Length);
        Assert.NotEqual(a.Payload, b.Payload);
    }

    [Fact]
    public void Unknown_Path_Is_404_With_TextPlain_Error()
    {
        using var h = new EmulatorHarness();
        TokenResponse r = h.Get("/api/v2/nonce");
        Assert.Equal(ResponseCode.NotFound, r.Code);
        Assert.Equal((ushort)0, r.ContentFormat);
        Assert.False(r.MaxAgeZero);
        Assert.Equal("Not found", r.PayloadText);
        // The docs' GET /api/v1 does not exist in the firmware.
        Assert.Equal(ResponseCode.NotFound, h.Get("/api/v1").Code);
    }

    [Fact]
    public void Leftover_Path_Segments_Are_404()
    {
        using var h = new EmulatorHarness();
        Assert.Equal(ResponseCode.NotFound, h.Get("/api/version/x").Code);
        Assert.Equal(ResponseCode.NotFound, h.Get("/api/v1/nonce/x").Code);
        Assert.Equal(ResponseCode.NotFound, h.Post("/api/v1/admin/provision/ek/x", h.Attester.EkChain.Encode()).Code);
    }

    [Fact]
    public void Wrong_Method_Is_405_Method_Not_Allowed()
    {
        using var h = new EmulatorHarness();
        TokenResponse r = h.Post("/api/version", []);
        Assert.Equal(ResponseCode.MethodNotAllowed, r.Code);
        Assert.Equal("Method not allowed", r.PayloadText);
        Assert.Equal(ResponseCode.MethodNotAllowed, h.Get(FobnailPaths.Attest).Code);
        Assert.Equal(ResponseCode.MethodNotAllowed,
            h.Send(new TokenRequest(TokenMethod.Fetch, TokenRequest.Path(FobnailPaths.Nonce), null, [], [])).Code);
    }

    [Fact]
    public void Platform_And_Attestation_Endpoints_Are_404_On_An_Unprovisioned_Token()
    {
        using var h = new EmulatorHarness(provisioned: false);
        Assert.Equal(ResponseCode.NotFound, h.Post(FobnailPaths.ProvisionEk, h.Attester.EkChain.Encode()).Code);
        Assert.Equal(ResponseCode.NotFound, h.Post(FobnailPaths.Provision, []).Code);
        Assert.Equal(ResponseCode.NotFound, h.Post(FobnailPaths.Attest, []).Code);
    }
}
