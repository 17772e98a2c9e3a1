using Fobnail.Cbor;

namespace Fobnail.Protocol;

/// <summary>
/// Signed object (§5.0): <c>{"data": bstr, "signature": bstr}</c>. <c>data</c> is nested CBOR (metadata,
/// RIM) or raw TPMS_ATTEST; <c>signature</c> is the raw RSASSA-PKCS1-v1_5 signature (256 bytes for RSA-2048).
/// </summary>
public sealed record SignedObject(byte[] Data, byte[] Signature)
{
    private static readonly string[] Keys = ["data", "signature"];

    private const string Name = nameof(SignedObject);

    public byte[] Encode() => MessageCodec.Encode(Write, Data.Length + Signature.Length + 32);

    public void Write(CborWriter w)
    {
        w.WriteStartMap(2);
        w.WriteTextString("data"u8);
        w.WriteByteString(Data);
        w.WriteTextString("signature"u8);
        w.WriteByteString(Signature);
        w.WriteEndMap();
    }

    public static SignedObject Decode(ReadOnlyMemory<byte> data, CborConformance conformance = CborConformance.Strict) =>
        MessageCodec.Decode(data, conformance, Name, static r =>
        {
            var map = new StrictMap(r, Name, Keys);
            byte[] inner = [], signature = [];
            int key;
            while ((key = map.Next()) >= 0)
            {
                if (key == 0) inner = map.Bytes();
                else signature = map.Bytes();
            }
            map.RequireAll();
            return new SignedObject(inner, signature);
        });
}
