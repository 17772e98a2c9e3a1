using Fobnail.Cbor;
using Fobnail.Protocol.Tests.Support;

namespace Fobnail.Protocol.Tests.Protocol;

/// <summary>Every typed decoder, fed random and mutated inputs, only throws ProtocolDecodeException.</summary>
public class MessageFuzzTests
{
    private const int Cases = 100_000;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    private static byte[] B(int n, int seed) => Enumerable.Range(0, n).Select(i => (byte)(i * 7 + seed)).ToArray();

    public static TheoryData<string> Messages() => new(Decoders.Keys);

    private static readonly Dictionary<string, (byte[] Valid, Action<byte[]> Decode)> Decoders = new()
    {
        ["VersionResponse"] = (new VersionResponse([1, 2]).Encode(), d => VersionResponse.Decode(d)),
        ["EkCertChain"] = (new EkCertChain([B(40, 1), B(60, 2)]).Encode(), d => EkCertChain.Decode(d)),
        ["PoCertChain"] = (new PoCertChain([B(40, 1), B(20, 2), B(30, 3)]).Encode(), d => PoCertChain.Decode(d)),
        ["AikRequest"] = (new AikRequest(B(280, 3), 123456).Encode(), d => AikRequest.Decode(d)),
        ["AikChallenge"] = (new AikChallenge(B(70, 4), B(258, 5)).Encode(), d => AikChallenge.Decode(d)),
        ["ProvisionRequest"] = (new ProvisionRequest(1, 2, B(32, 6)).Encode(), d => ProvisionRequest.Decode(d)),
        ["SignedObject"] = (new SignedObject(B(100, 7), B(256, 8)).Encode(), d => SignedObject.Decode(d)),
        ["Metadata"] = (new Metadata(1, B(6, 9), "Manuf", "Product", "Serial").Encode(), d => Metadata.Decode(d)),
        ["Rim"] = (new Rim(7, [new PcrBank(11, 0b1011, [B(32, 1), B(32, 2), B(32, 3)]), new PcrBank(4, 1, [B(20, 4)])]).Encode(), d => Rim.Decode(d)),
        ["QuoteRequest"] = (new QuoteRequest(B(32, 10), DefaultPolicy.Banks).Encode(), d => QuoteRequest.Decode(d)),
        ["QuoteRequestStrict"] = (new QuoteRequest(B(32, 10), DefaultPolicy.Banks).Encode(), d => QuoteRequest.Decode(d, CborConformance.Strict)),
        ["AikPublicKey"] = (new AikPublicKey(B(256, 11), 65537).Encode(), d => AikPublicKey.Decode(d)),
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void ValidVectorDecodesAndRoundTrips(string name)
    {
        var (valid, decode) = Decoders[name];
        if (name == "QuoteRequestStrict")
        {
            Assert.Throws<ProtocolDecodeException>(() => decode(valid));
            return;
        }
        decode(valid);
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void MutatedInputs(string name)
    {
        var (valid, decode) = Decoders[name];
        var rng = new Random(name.Length * 31 + 1);
        Fuzz.Run<ProtocolDecodeException>(Cases, _ => Fuzz.Mutate(rng, valid), decode, Limit);
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void RandomInputs(string name)
    {
        var (valid, decode) = Decoders[name];
        var rng = new Random(name.Length * 17 + 2);
        // Random bytes behind a valid map header and first key get past the first byte more often.
        Fuzz.Run<ProtocolDecodeException>(Cases, i => i % 2 == 0
            ? Fuzz.RandomBytes(rng, 64)
            : valid.AsSpan(0, Math.Min(valid.Length, rng.Next(1, 12))).ToArray().Concat(Fuzz.RandomBytes(rng, 40)).ToArray(),
            decode, Limit);
    }

    [Fact]
    public void RoundTripProperty()
    {
        var rng = new Random(99);
        for (int i = 0; i < 5_000; i++)
        {
            var m = new Metadata((byte)rng.Next(256), B(6, rng.Next()), RandomText(rng), RandomText(rng), RandomText(rng));
            Assert.Equal(m.Encode(), Metadata.Decode(m.Encode()).Encode());
            var s = new SignedObject(Fuzz.RandomBytes(rng, 2000), Fuzz.RandomBytes(rng, 512));
            Assert.Equal(s.Encode(), SignedObject.Decode(s.Encode()).Encode());
            var banks = Enumerable.Range(0, rng.Next(4)).Select(_ => new PcrBank((ushort)rng.Next(65536), (uint)rng.NextInt64(uint.MaxValue + 1L),
                Enumerable.Range(0, rng.Next(5)).Select(_ => Fuzz.RandomBytes(rng, 64)).ToArray())).ToArray();
            var rim = new Rim((uint)rng.NextInt64(uint.MaxValue + 1L), banks);
            Assert.Equal(rim.Encode(), Rim.Decode(rim.Encode()).Encode());
            var q = new QuoteRequest(B(32, rng.Next()), banks.Select(b => new BankSelection(b.AlgoId, b.Pcrs)).ToArray());
            Assert.Equal(q.Encode(), QuoteRequest.Decode(q.Encode()).Encode());
            var p = new ProvisionRequest((uint)rng.NextInt64(uint.MaxValue + 1L), (uint)rng.Next(), Fuzz.RandomBytes(rng, 40));
            Assert.Equal(p.Encode(), ProvisionRequest.Decode(p.Encode()).Encode());
        }
    }

    private static string RandomText(Random rng) =>
        new(Enumerable.Range(0, rng.Next(40)).Select(_ => (char)rng.Next(0x20, 0x3000)).Where(c => !char.IsSurrogate(c)).ToArray());
}
