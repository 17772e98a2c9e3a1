using Fobnail.Coap;
using Fobnail.Protocol.Tests.Support;

namespace Fobnail.Protocol.Tests.Coap;

public class CoapMessageTests
{
    [Fact]
    public void Rfc7252FigureA_GetWithUriPath()
    {
        // RFC 7252 Appendix A style: CON GET MID 0x7d34, token none, Uri-Path "temperature" (delta 11, length 11).
        var m = new CoapMessage(CoapType.Confirmable, CoapCode.Get, 0x7d34).SetUriPath("/temperature");
        byte[] expected = Hex.Parse("40 01 7D34 BB 74656D7065726174757265");
        Assert.Equal(expected, m.Encode());
        var d = CoapMessage.Decode(expected);
        Assert.Equal(CoapType.Confirmable, d.Type);
        Assert.Equal(CoapCode.Get, d.Code);
        Assert.Equal(0x7d34, d.MessageId);
        Assert.Equal(["temperature"], d.UriPath);
    }

    [Fact]
    public void PiggybackedResponseWithTokenAndPayload()
    {
        // ACK 2.05 MID 0x7d34 token 0x71, Content-Format 60 (delta 12, 1 byte), Max-Age 0 (delta 2, empty), payload.
        var m = new CoapMessage(CoapType.Acknowledgement, CoapCode.Content, 0x7d34, [0x71]) { Payload = [0xA0] };
        m.ContentFormat = 60;
        m.MaxAge = 0;
        byte[] expected = Hex.Parse("61 45 7D34 71 C1 3C 20 FF A0");
        Assert.Equal(expected, m.Encode());
        var d = CoapMessage.Decode(expected);
        Assert.Equal(60u, d.ContentFormat);
        Assert.Equal(0u, d.MaxAge);
        Assert.Equal([0x71], d.Token);
        Assert.Equal([0xA0], d.Payload);
        Assert.Equal("2.05", d.Code.ToString());
    }

    [Fact]
    public void ExtendedOptionDeltaAndLength()
    {
        // Size1 = 60: delta 60 → nibble 13 + (60-13=47); value length 300 of an unknown option 2000: nibble 14 forms.
        var m = new CoapMessage(CoapType.NonConfirmable, CoapCode.Post, 1);
        m.Size1 = 5000;
        m.AddOption(new CoapOption(2000, new byte[300]));
        byte[] enc = m.Encode();
        Assert.Equal("50020001", Hex.Of(enc.AsSpan(0, 4)));
        Assert.Equal(0xD2, enc[4]);            // delta 13, length 2
        Assert.Equal(47, enc[5]);
        Assert.Equal("1388", Hex.Of(enc.AsSpan(6, 2)));
        Assert.Equal(0xEE, enc[8]);            // delta 14, length 14
        Assert.Equal((2000 - 60 - 269), (enc[9] << 8) | enc[10]);
        Assert.Equal(300 - 269, (enc[11] << 8) | enc[12]);
        var d = CoapMessage.Decode(enc);
        Assert.Equal(5000u, d.Size1);
        Assert.Equal(300, d.GetOption(2000)!.Value.Value.Length);
    }

    [Theory]
    [InlineData(0u, false, 6, "06")]
    [InlineData(0u, true, 6, "0E")]
    [InlineData(1u, false, 6, "16")]
    [InlineData(16u, true, 6, "010E")]
    [InlineData(4096u, false, 2, "010002")]
    public void BlockOptionEncoding_Rfc7959_2_2(uint num, bool more, int szx, string hex)
    {
        var b = new CoapBlockOption(num, more, szx);
        var option = b.ToOption(CoapOptionNumber.Block2);
        Assert.Equal(hex, Hex.Of(option.Value));
        Assert.Equal(b, CoapBlockOption.FromOption(option));
    }

    [Fact]
    public void Block0WithNoMoreAndSzx0IsEmptyValue()
    {
        Assert.Empty(new CoapBlockOption(0, false, 0).ToOption(CoapOptionNumber.Block1).Value);
        Assert.Throws<CoapFormatException>(() => CoapBlockOption.FromOption(new CoapOption(CoapOptionNumber.Block1, [0x07])));
        Assert.Throws<CoapFormatException>(() => CoapBlockOption.FromOption(new CoapOption(CoapOptionNumber.Block1, [1, 2, 3, 4])));
    }

    [Fact]
    public void OptionsAreSortedAndRepeatedOnesKeepOrder()
    {
        var m = new CoapMessage(CoapType.Confirmable, CoapCode.Post, 9, [1, 2]);
        m.ContentFormat = 42;
        m.SetUriPath("/api/v1/attest");
        var d = CoapMessage.Decode(m.Encode());
        Assert.Equal(["api", "v1", "attest"], d.UriPath);
        Assert.Equal(new ushort[] { 11, 11, 11, 12 }, d.Options.Select(o => o.Number));
    }

    [Fact]
    public void EmptyMessages()
    {
        Assert.Equal("40000102", Hex.Of(CoapMessage.Empty(CoapType.Confirmable, 0x0102).Encode()));
        Assert.Equal("70000102", Hex.Of(CoapMessage.Empty(CoapType.Reset, 0x0102).Encode()));
        Assert.True(CoapMessage.Decode(Hex.Parse("60000102")).Code.IsEmpty);
    }

    [Theory]
    [InlineData("400001", "shorter than the 4-byte header")]
    [InlineData("80010001", "unknown version")]
    [InlineData("49010001", "token length 9")]
    [InlineData("4F010001", "token length 15")]
    [InlineData("42010001AA", "inside the token")]
    [InlineData("40000001FF", "Empty message")]        // §4.1: bytes after the Message ID of an Empty message
    [InlineData("41000001AA", "Empty message")]
    [InlineData("40010001FF", "empty payload")]         // §3: marker followed by zero-length payload
    [InlineData("40010001F0", "nibble 15")]             // delta 15 without being the marker
    [InlineData("400100010F", "nibble 15")]             // length 15
    [InlineData("40010001D1", "extended option delta")]
    [InlineData("40010001E1AA", "extended option delta")]
    [InlineData("4001000113", "runs past the datagram")]
    [InlineData("40010001EE FFFF 0000", "exceeds 65535")]
    public void FormatErrors(string hex, string reason)
    {
        var e = Assert.Throws<CoapFormatException>(() => CoapMessage.Decode(Hex.Parse(hex)));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void CodesPrintAsClassDotDetail()
    {
        Assert.Equal("2.31", CoapCode.Continue.ToString());
        Assert.Equal("4.13", CoapCode.RequestEntityTooLarge.ToString());
        Assert.True(CoapCode.TryParse("4.04", out var c));
        Assert.Equal(CoapCode.NotFound, c);
        Assert.False(CoapCode.TryParse("9.99", out _));
        Assert.True(CoapCode.Get.IsRequest);
        Assert.False(CoapCode.Empty.IsRequest);
    }

    [Fact]
    public void UIntOptionsAreMinimal()
    {
        Assert.Empty(CoapOption.UInt(12, 0).Value);
        Assert.Equal([60], CoapOption.UInt(12, 60).Value);
        Assert.Equal([1, 0], CoapOption.UInt(12, 256).Value);
        Assert.Equal([1, 0, 0, 0], CoapOption.UInt(12, 1 << 24).Value);
        Assert.Throws<CoapFormatException>(() => new CoapOption(12, new byte[5]).GetUInt());
    }
}
