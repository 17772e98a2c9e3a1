using Fobnail.Cbor;

namespace Fobnail.Protocol;

/// <summary>
/// POST /api/v1/admin/provision/aik request (§5.4b): <c>{"aik": bstr TPM2B_PUBLIC (with its 2-byte size),
/// "ek": uint EK id}</c>.
/// </summary>
public sealed record AikRequest(byte[] Aik, uint Ek)
{
    private static readonly string[] Keys = ["aik", "ek"];

    private const string Name = nameof(AikRequest);

    public byte[] Encode() => MessageCodec.Encode(Write, Aik.Length + 32);

    public void Write(CborWriter w)
    {
        w.WriteStartMap(2);
        w.WriteTextString("aik");
        w.WriteByteString(Aik);
        w.WriteTextString("ek");
        w.WriteUInt32(Ek);
        w.WriteEndMap();
    }

    public static AikRequest Decode(ReadOnlyMemory<byte> data, CborConformance conformance = CborConformance.Strict) =>
        MessageCodec.Decode(data, conformance, Name, static r =>
        {
            var map = new StrictMap(r, Name, Keys);
            byte[] aik = [];
            uint ek = 0;
            int key;
            while ((key = map.Next()) >= 0)
            {
                if (key == 0) aik = map.Bytes();
                else ek = map.UInt32();
            }
            map.RequireAll();
            return new AikRequest(aik, ek);
        });
}
