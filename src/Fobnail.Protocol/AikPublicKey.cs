using Fobnail.Cbor;

namespace Fobnail.Protocol;

/// <summary>
/// The AIK public key the token stores at <c>/meta/&lt;hex&gt;_aik</c> (§5.4f, §8.4):
/// <c>{"n": bstr modulus (big-endian), "e": uint exponent}</c>.
/// </summary>
public sealed record AikPublicKey(byte[] N, uint E)
{
    private static readonly string[] Keys = ["n", "e"];

    private const string Name = nameof(AikPublicKey);

    public byte[] Encode() => MessageCodec.Encode(Write, N.Length + 32);

    public void Write(CborWriter w)
    {
        w.WriteStartMap(2);
        w.WriteTextString("n");
        w.WriteByteString(N);
        w.WriteTextString("e");
        w.WriteUInt32(E);
        w.WriteEndMap();
    }

    public static AikPublicKey Decode(ReadOnlyMemory<byte> data, CborConformance conformance = CborConformance.Strict) =>
        MessageCodec.Decode(data, conformance, Name, static r =>
        {
            var map = new StrictMap(r, Name, Keys);
            byte[] n = [];
            uint e = 0;
            int key;
            while ((key = map.Next()) >= 0)
            {
                if (key == 0) n = map.Bytes();
                else e = map.UInt32();
            }
            map.RequireAll();
            return new AikPublicKey(n, e);
        });
}
