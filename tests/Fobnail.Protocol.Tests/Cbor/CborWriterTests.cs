using Fobnail.Cbor;
using Fobnail.Protocol.Tests.Support;

namespace Fobnail.Protocol.Tests.Cbor;

public class CborWriterTests
{
    [Theory]
    // RFC 8949 Appendix A examples and the protocol §4 rule examples (5 = 05, 200 = 18 C8, 300 = 19 01 2C).
    [InlineData(0UL, "00")]
    [InlineData(5UL, "05")]
    [InlineData(23UL, "17")]
    [InlineData(24UL, "1818")]
    [InlineData(200UL, "18C8")]
    [InlineData(255UL, "18FF")]
    [InlineData(256UL, "190100")]
    [InlineData(300UL, "19012C")]
    [InlineData(65535UL, "19FFFF")]
    [InlineData(65536UL, "1A00010000")]
    [InlineData(0x000600FFUL, "1A000600FF")]
    [InlineData(4294967295UL, "1AFFFFFFFF")]
    [InlineData(4294967296UL, "1B0000000100000000")]
    [InlineData(18446744073709551615UL, "1BFFFFFFFFFFFFFFFF")]
    public void UnsignedIntegersUsePreferredEncoding(ulong value, string hex)
    {
        var w = new CborWriter();
        w.WriteUInt64(value);
        Assert.Equal(hex, Hex.Of(w.Encode()));
        Assert.Equal(value, new CborReader(w.Encode()).ReadUInt64());
    }

    [Theory]
    [InlineData(-1L, "20")]
    [InlineData(-10L, "29")]
    [InlineData(-100L, "3863")]
    [InlineData(-1000L, "3903E7")]
    [InlineData(long.MinValue, "3B7FFFFFFFFFFFFFFF")]
    public void NegativeIntegers(long value, string hex)
    {
        var w = new CborWriter();
        w.WriteInt64(value);
        Assert.Equal(hex, Hex.Of(w.Encode()));
        Assert.Equal(value, new CborReader(w.Encode()).ReadInt64());
    }

    [Fact]
    public void StringsAndContainers()
    {
        var w = new CborWriter();
        w.WriteStartMap(2);
        w.WriteTextString("a");
        w.WriteByteString([1, 2, 3, 4]);
        w.WriteTextString("\u00fc");
        w.WriteStartArray(0);
        w.WriteEndArray();
        w.WriteEndMap();
        // RFC 8949 App. A: "a" = 61 61, h'01020304' = 44 01020304, "\u00fc" = 62 c3bc.
        Assert.Equal("A26161440102030462C3BC80", Hex.Of(w.Encode()));
    }

    [Fact]
    public void LongByteStringLengthIsMinimal()
    {
        var w = new CborWriter();
        w.WriteByteString(new byte[256]);
        byte[] enc = w.Encode();
        Assert.Equal("590100", Hex.Of(enc.AsSpan(0, 3)));
        Assert.Equal(259, enc.Length);
    }

    [Fact]
    public void MiscountedContainersAreRejected()
    {
        var w = new CborWriter();
        w.WriteStartArray(2);
        w.WriteUInt32(1);
        Assert.Throws<CborException>(() => w.WriteEndArray());
        Assert.Throws<CborException>(() => w.Encode());

        var w2 = new CborWriter();
        w2.WriteStartArray(1);
        w2.WriteUInt32(1);
        Assert.Throws<CborException>(() => w2.WriteUInt32(2));

        var w3 = new CborWriter();
        w3.WriteUInt32(1);
        Assert.Throws<CborException>(() => w3.WriteUInt32(2));
    }

    [Fact]
    public void IndefiniteMapRejectsDanglingKey()
    {
        var w = new CborWriter();
        w.WriteStartIndefiniteLengthMap();
        w.WriteTextString("k");
        Assert.Throws<CborException>(() => w.WriteEndMap());
        w.WriteUInt32(1);
        w.WriteEndMap();
        Assert.Equal("BF616B01FF", Hex.Of(w.Encode()));
    }

    [Fact]
    public void MapKeyOrderIsTheCallersOrder()
    {
        var w = new CborWriter();
        w.WriteStartMap(2);
        w.WriteTextString("z");
        w.WriteUInt32(1);
        w.WriteTextString("a");
        w.WriteUInt32(2);
        w.WriteEndMap();
        Assert.Equal("A2617A01616102", Hex.Of(w.Encode()));
    }
}
