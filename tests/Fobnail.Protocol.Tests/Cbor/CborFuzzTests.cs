using Fobnail.Cbor;
using Fobnail.Protocol.Tests.Support;

namespace Fobnail.Protocol.Tests.Cbor;

/// <summary>Random and mutated inputs: the reader only ever throws CborException, and always terminates.</summary>
public class CborFuzzTests
{
    private const int Cases = 200_000;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    private static readonly byte[][] Seeds =
    [
        Hex.Parse("A1 68 76657273696F6E73 81 01"),
        Hex.Parse("BF 65 6E6F6E6365 58 20" + new string('A', 64) + "65 62616E6B73 81 A2 67 616C676F5F6964 0B 64 70637273 1A 000600FF FF"),
        Hex.Parse("5F42010243030405FF"),
        Hex.Parse("9F018202039F0405FFFF"),
        Hex.Parse("C074323031332D30332D32315432303A30343A30305A"),
        Hex.Parse("FB3FF199999999999A"),
        Hex.Parse("A3 62 656B 05 63 61696B 19012C 66 736563726574 4411223344"),
    ];

    private static void ReadAll(byte[] data, CborConformance mode)
    {
        var r = new CborReader(data, mode);
        r.SkipValue();
        r.ReadEndOfData();
    }

    [Theory]
    [InlineData(CborConformance.Strict, 1)]
    [InlineData(CborConformance.Lax, 2)]
    public void RandomBytes(CborConformance mode, int seed)
    {
        var rng = new Random(seed);
        int ok = Fuzz.Run<CborException>(Cases, _ => Fuzz.RandomBytes(rng, 48), d => ReadAll(d, mode), Limit);
        Assert.True(ok > 0, "some random inputs must be valid CBOR (e.g. a single small integer)");
    }

    [Theory]
    [InlineData(CborConformance.Strict, 3)]
    [InlineData(CborConformance.Lax, 4)]
    public void MutatedValidItems(CborConformance mode, int seed)
    {
        var rng = new Random(seed);
        Fuzz.Run<CborException>(Cases, i => Fuzz.Mutate(rng, Seeds[i % Seeds.Length]), d => ReadAll(d, mode), Limit);
    }

    [Fact]
    public void DiagnosticPrinterOnMutatedInputs()
    {
        var rng = new Random(5);
        Fuzz.Run<CborException>(Cases, i => Fuzz.Mutate(rng, Seeds[i % Seeds.Length]), d => CborDiagnostic.Format(d), Limit);
    }

    [Fact]
    public void RoundTripOfRandomTrees()
    {
        // Property: any tree the writer produces is read back identically by the strict reader, and
        // re-encoding what was read gives the same bytes (preferred encoding is unique).
        var rng = new Random(6);
        for (int i = 0; i < 20_000; i++)
        {
            var w = new CborWriter();
            WriteRandom(w, rng, 0);
            byte[] enc = w.Encode();
            var r = new CborReader(enc, CborConformance.Strict);
            var w2 = new CborWriter();
            Copy(r, w2);
            r.ReadEndOfData();
            Assert.Equal(enc, w2.Encode());
        }
    }

    private static void WriteRandom(CborWriter w, Random rng, int depth)
    {
        int kind = rng.Next(depth >= 4 ? 4 : 6);
        switch (kind)
        {
            case 0: w.WriteUInt64(RandomArgument(rng)); break;
            case 1: w.WriteInt64(-1 - (long)(RandomArgument(rng) >> 1)); break;
            case 2: w.WriteByteString(Fuzz.RandomBytes(rng, 300)); break;
            case 3: w.WriteTextString(new string((char)rng.Next(0x20, 0x7F), rng.Next(30)) + "\u00fc\u20ac"); break;
            case 4:
            {
                int n = rng.Next(5);
                w.WriteStartArray(n);
                for (int j = 0; j < n; j++) WriteRandom(w, rng, depth + 1);
                w.WriteEndArray();
                break;
            }
            default:
            {
                int n = rng.Next(5);
                w.WriteStartMap(n);
                for (int j = 0; j < n; j++)
                {
                    w.WriteTextString("k" + j);
                    WriteRandom(w, rng, depth + 1);
                }
                w.WriteEndMap();
                break;
            }
        }
    }

    private static ulong RandomArgument(Random rng) => rng.Next(5) switch
    {
        0 => (ulong)rng.Next(24),
        1 => (ulong)rng.Next(24, 256),
        2 => (ulong)rng.Next(256, 65536),
        3 => (ulong)rng.NextInt64(65536, uint.MaxValue + 1L),
        _ => (ulong)rng.NextInt64() * 2 + 1,
    };

    private static void Copy(CborReader r, CborWriter w)
    {
        switch (r.PeekState())
        {
            case CborReaderState.UnsignedInteger: w.WriteUInt64(r.ReadUInt64()); break;
            case CborReaderState.NegativeInteger: w.WriteInt64(r.ReadInt64()); break;
            case CborReaderState.ByteString: w.WriteByteString(r.ReadByteString()); break;
            case CborReaderState.TextString: w.WriteTextString(r.ReadTextString()); break;
            case CborReaderState.StartArray:
                w.WriteStartArray(r.ReadStartArray()!.Value);
                while (r.PeekState() != CborReaderState.EndArray) Copy(r, w);
                r.ReadEndArray();
                w.WriteEndArray();
                break;
            case CborReaderState.StartMap:
                w.WriteStartMap(r.ReadStartMap()!.Value);
                while (r.PeekState() != CborReaderState.EndMap) Copy(r, w);
                r.ReadEndMap();
                w.WriteEndMap();
                break;
            default: throw new InvalidOperationException("unexpected item");
        }
    }
}
