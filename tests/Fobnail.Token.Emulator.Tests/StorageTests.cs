using Fobnail.Protocol;
using Fobnail.Token.Emulator.Core;
using Fobnail.Token.Emulator.Storage;

namespace Fobnail.Token.Emulator.Tests;

public class StorageTests
{
    private static TokenRequest Fs(TokenMethod m, string name, byte[]? payload = null, ushort? cf = null) =>
        new(m, [.. TokenRequest.Path(FobnailPaths.Storage), name], cf, [], payload ?? []);

    [Fact]
    public void Put_Get_Delete_Codes_For_An_Attested_Client()
    {
        using var h = new EmulatorHarness();
        h.ProvisionPlatform();
        h.Attest();
        byte[] data = "secret disk key"u8.ToArray();
        Assert.Equal(ResponseCode.Created, h.Send(Fs(TokenMethod.Put, "key", data)).Code);
        Assert.Equal(ResponseCode.Changed, h.Send(Fs(TokenMethod.Put, "key", data, ContentFormats.OctetStream)).Code);
        TokenResponse get = h.Send(Fs(TokenMethod.Get, "key"));
        Assert.Equal(ResponseCode.Content, get.Code);
        Assert.Equal(data, get.Payload);
        Assert.True(get.MaxAgeZero);
        Assert.Null(get.ContentFormat);
        byte[] platform = System.Security.Cryptography.SHA256.HashData(h.Attester.Metadata.Encode());
        Assert.Equal(data, h.Flash.ReadFile(FlashStore.FtsPath(platform, "key")));
        Assert.Equal(ResponseCode.Deleted, h.Send(Fs(TokenMethod.Delete, "key")).Code);
        Assert.Equal(ResponseCode.NotFound, h.Send(Fs(TokenMethod.Get, "key")).Code);
        Assert.Equal(ResponseCode.Deleted, h.Send(Fs(TokenMethod.Delete, "key")).Code);
    }

    [Fact]
    public void Storage_Is_404_For_A_Client_That_Did_Not_Attest()
    {
        using var h = new EmulatorHarness();
        h.ProvisionPlatform();
        h.Attest(EmulatorHarness.Client1);
        Assert.Equal(ResponseCode.NotFound, h.Core.Handle(EmulatorHarness.Client2, Fs(TokenMethod.Put, "k", [1])).Code);
        Assert.Equal(ResponseCode.Created, h.Core.Handle(EmulatorHarness.Client1, Fs(TokenMethod.Put, "k", [1])).Code);
    }

    [Fact]
    public void Name_Rules_Get_404_Put_403_Delete_202()
    {
        using var h = new EmulatorHarness();
        h.ProvisionPlatform();
        h.Attest();
        foreach (string bad in new[] { "", ".", "..", "a\0b" })
        {
            Assert.Equal(ResponseCode.NotFound, h.Send(Fs(TokenMethod.Get, bad)).Code);
            Assert.Equal(ResponseCode.Forbidden, h.Send(Fs(TokenMethod.Put, bad, [1])).Code);
            Assert.Equal(ResponseCode.Deleted, h.Send(Fs(TokenMethod.Delete, bad)).Code);
        }
        Assert.Equal(ResponseCode.NotFound, h.Send(new TokenRequest(TokenMethod.Get, [.. TokenRequest.Path(FobnailPaths.Storage), "a", "b"], null, [], [])).Code);
    }

    [Fact]
    public void File_Over_6000_Bytes_Is_500_File_Is_Too_Big_And_6000_Fits()
    {
        using var h = new EmulatorHarness();
        h.ProvisionPlatform();
        h.Attest();
        TokenResponse r = h.Send(Fs(TokenMethod.Put, "big", new byte[6001]));
        Assert.Equal(ResponseCode.InternalServerError, r.Code);
        Assert.Equal("File is too big", r.PayloadText);
        Assert.Equal(ResponseCode.Created, h.Send(Fs(TokenMethod.Put, "big", new byte[6000])).Code);
    }

    [Fact]
    public void Storage_Method_Accept_And_Content_Format_Rules()
    {
        using var h = new EmulatorHarness();
        h.ProvisionPlatform();
        h.Attest();
        Assert.Equal(ResponseCode.MethodNotAllowed, h.Send(Fs(TokenMethod.Post, "k", [1])).Code);
        Assert.Equal(ResponseCode.NotAcceptable, h.Send(Fs(TokenMethod.Get, "k") with { Accept = [[42]] }).Code);
        Assert.Equal(ResponseCode.NotFound, h.Send(Fs(TokenMethod.Get, "k") with { Accept = [[0, 0, 0, 42]] }).Code);
        Assert.Equal(ResponseCode.BadRequest, h.Send(Fs(TokenMethod.Put, "k", [1], ContentFormats.Cbor)).Code);
    }

    [Fact]
    public void Platforms_Have_Separate_Namespaces()
    {
        using var h = new EmulatorHarness();
        h.ProvisionPlatform();
        h.Attest(EmulatorHarness.Client1);
        Assert.Equal(ResponseCode.Created, h.Core.Handle(EmulatorHarness.Client1, Fs(TokenMethod.Put, "k", [1])).Code);
        var original = h.Attester.Metadata;
        h.Attester.Metadata = original with { SerialNumber = "SN-0002" };
        try
        {
            h.ProvisionPlatform(EmulatorHarness.Client2);
            h.Attest(EmulatorHarness.Client2);
            Assert.Equal(ResponseCode.NotFound, h.Core.Handle(EmulatorHarness.Client2, Fs(TokenMethod.Get, "k")).Code);
        }
        finally
        {
            h.Attester.Metadata = original;
        }
    }

    [Fact]
    public void FirmwareDifference_Fts_Name_Longer_Than_A_Trussed_Path_Is_500()
    {
        using var h = new EmulatorHarness();
        h.ProvisionPlatform();
        h.Attest();
        // "/" + 64 hex + "_" + name must fit 255 bytes.
        Assert.Equal(ResponseCode.Created, h.Send(Fs(TokenMethod.Put, new string('n', 189), [1])).Code);
        TokenResponse r = h.Send(Fs(TokenMethod.Put, new string('n', 190), [1]));
        Assert.Equal(ResponseCode.InternalServerError, r.Code);
        Assert.Equal("Internal error", r.PayloadText);
    }
}
