using Fobnail.Cbor;
using Fobnail.Protocol.Tests.Support;

namespace Fobnail.Protocol.Tests.Cbor;

public class CborReaderTests
{
    private static CborReader Strict(string hex) => new(Hex.Parse(hex), CborConformance.Strict);
    private static CborReader Lax(string hex) => new(Hex.Parse(hex), CborConformance.Lax);

    [Theory]
    [InlineData("1805")]       // 5 in two bytes (protocol §4 example)
    [InlineData("190005")]
    [InlineData("1A000000C8")]
    [InlineData("1B00000000FFFFFFFF")]
    public void StrictRejectsNonMinimalIntegers(string hex)
    {
        var e = Assert.Throws<CborException>(() => Strict(hex).ReadUInt64());
        Assert.Contains("non-minimal", e.Message);
        Assert.True(Lax(hex).ReadUInt64() > 0);
    }

    [Theory]
    [InlineData("5801AA")]     // 1-byte bstr with a 1-byte length
    [InlineData("780161")]     // "a" with a 1-byte length
    [InlineData("98020102")]   // array(2) with a 1-byte count
    public void StrictRejectsNonMinimalLengths(string hex)
    {
        Assert.Throws<CborException>(() => Strict(hex).SkipValue());
        var lax = Lax(hex);
        lax.SkipValue();
        lax.ReadEndOfData();
    }

    [Fact]
    public void LaxReadsIndefiniteContainersAndStrings()
    {
        // RFC 8949 App. A: (_ h'0102', h'030405') and [_ 1, [2, 3], [_ 4, 5]] and {_ "a": 1, "b": [_ 2, 3]}.
        var r = Lax("5F42010243030405FF");
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, r.ReadByteString());
        r.ReadEndOfData();

        var a = Lax("9F018202039F0405FFFF");
        Assert.Null(a.ReadStartArray());
        Assert.Equal(1UL, a.ReadUInt64());
        Assert.Equal(2, a.ReadStartArray());
        a.SkipValue(); a.SkipValue();
        a.ReadEndArray();
        Assert.Null(a.ReadStartArray());
        a.SkipValue(); a.SkipValue();
        Assert.Equal(CborReaderState.EndArray, a.PeekState());
        a.ReadEndArray();
        a.ReadEndArray();
        a.ReadEndOfData();

        Assert.Equal("{_ \"a\": 1, \"b\": [_ 2, 3]}", CborDiagnostic.Format(Hex.Parse("BF61610161629F0203FFFF")));
    }

    [Theory]
    [InlineData("5F42010243030405FF")]
    [InlineData("9F01FF")]
    [InlineData("BF616101FF")]
    public void StrictRejectsIndefiniteLengths(string hex)
    {
        var e = Assert.Throws<CborException>(() => Strict(hex).SkipValue());
        Assert.Contains("indefinite", e.Message);
    }

    [Theory]
    [InlineData("")]                 // nothing
    [InlineData("18")]               // missing argument byte
    [InlineData("1C")]               // reserved additional info 28
    [InlineData("5A00010000AA")]     // bstr declaring 65536 bytes, 1 present
    [InlineData("9B000000000000000A00")] // array declaring 10 elements with 1 byte left
    [InlineData("BA7FFFFFFF")]       // map declaring 2^31-1 pairs
    [InlineData("62C328")]           // invalid UTF-8 (RFC 3629 overlong/invalid continuation)
    [InlineData("0000")]             // trailing bytes
    [InlineData("FF")]               // stray break
    [InlineData("A1010203")]         // map of 1 pair, then a trailing item
    [InlineData("A101")]             // key without value
    [InlineData("BF01FF")]           // indefinite map key without value before break
    [InlineData("5F01FF")]           // indefinite bstr chunk of wrong major type
    [InlineData("5F5F4101FFFF")]     // nested indefinite chunk
    [InlineData("F800")]             // simple value < 32 in two-byte form
    [InlineData("C0")]               // tag without content
    public void MalformedInputThrowsCborException(string hex)
    {
        Assert.Throws<CborException>(() =>
        {
            var r = Lax(hex);
            r.SkipValue();
            r.ReadEndOfData();
        });
    }

    [Fact]
    public void DepthLimitIsEnforced()
    {
        byte[] deep = Enumerable.Repeat((byte)0x81, 20).Append((byte)0x01).ToArray();
        var e = Assert.Throws<CborException>(() => new CborReader(deep, CborConformance.Lax, maxDepth: 16).SkipValue());
        Assert.Contains("deeper", e.Message);
        var ok = new CborReader(deep, CborConformance.Lax, maxDepth: 21);
        ok.SkipValue();
        ok.ReadEndOfData();
    }

    [Fact]
    public void TypedReadsCheckRanges()
    {
        Assert.Throws<CborException>(() => Strict("1A00010000").ReadUInt16());
        Assert.Throws<CborException>(() => Strict("1B0000000100000000").ReadUInt32());
        Assert.Throws<CborException>(() => Strict("190100").ReadUInt8());
        Assert.Throws<CborException>(() => Strict("20").ReadUInt64());
        Assert.Throws<CborException>(() => Strict("1BFFFFFFFFFFFFFFFF").ReadInt64());
        Assert.Throws<CborException>(() => Strict("6161").ReadByteString());
    }

    [Fact]
    public void PeekStateReportsKindsAndEnds()
    {
        var r = Strict("A2616101616280");
        Assert.Equal(CborReaderState.StartMap, r.PeekState());
        Assert.Equal(2, r.ReadStartMap());
        Assert.Equal(CborReaderState.TextString, r.PeekState());
        Assert.Equal("a", r.ReadTextString());
        Assert.Equal(CborReaderState.UnsignedInteger, r.PeekState());
        r.ReadUInt64();
        r.ReadTextString();
        Assert.Equal(CborReaderState.StartArray, r.PeekState());
        Assert.Equal(0, r.ReadStartArray());
        Assert.Equal(CborReaderState.EndArray, r.PeekState());
        r.ReadEndArray();
        Assert.Equal(CborReaderState.EndMap, r.PeekState());
        r.ReadEndMap();
        Assert.Equal(CborReaderState.Finished, r.PeekState());
    }

    [Theory]
    // RFC 8949 Appendix A: encodings and their diagnostic notation.
    [InlineData("00", "0")]
    [InlineData("3863", "-100")]
    [InlineData("3BFFFFFFFFFFFFFFFF", "-18446744073709551616")]
    [InlineData("F93C00", "1.0")]
    [InlineData("FB3FF199999999999A", "1.1")]
    [InlineData("F97E00", "NaN")]
    [InlineData("F97C00", "Infinity")]
    [InlineData("F4", "false")]
    [InlineData("F6", "null")]
    [InlineData("F7", "undefined")]
    [InlineData("F0", "simple(16)")]
    [InlineData("C074323031332D30332D32315432303A30343A30305A", "0(\"2013-03-21T20:04:00Z\")")]
    [InlineData("4401020304", "h'01020304'")]
    [InlineData("8301820203820405", "[1, [2, 3], [4, 5]]")]
    [InlineData("A26161016162820203", "{\"a\": 1, \"b\": [2, 3]}")]
    [InlineData("9FFF", "[_ ]")]
    [InlineData("62225C", "\"\\\"\\\\\"")]
    public void DiagnosticNotation(string hex, string expected)
    {
        Assert.Equal(expected, CborDiagnostic.Format(Hex.Parse(hex)));
    }
}
