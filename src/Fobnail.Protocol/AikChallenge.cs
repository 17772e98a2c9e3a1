using Fobnail.Cbor;

namespace Fobnail.Protocol;

/// <summary>
/// POST /api/v1/admin/provision/aik response (§5.4b, §7.4): <c>{"idObject": bstr TPM2B_ID_OBJECT,
/// "encSecret": bstr TPM2B_ENCRYPTED_SECRET}</c>, both with their u16 size prefixes (70 and 258 bytes for
/// RSA-2048).
/// </summary>
public sealed record AikChallenge(byte[] IdObject, byte[] EncSecret)
{
    private static readonly string[] Keys = ["idObject", "encSecret"];

    private const string Name = nameof(AikChallenge);

    public byte[] Encode() => MessageCodec.Encode(Write, IdObject.Length + EncSecret.Length + 32);

    public void Write(CborWriter w)
    {
        w.WriteStartMap(2);
        w.WriteTextString("idObject");
        w.WriteByteString(IdObject);
        w.WriteTextString("encSecret");
        w.WriteByteString(EncSecret);
        w.WriteEndMap();
    }

    public static AikChallenge Decode(ReadOnlyMemory<byte> data, CborConformance conformance = CborConformance.Strict) =>
        MessageCodec.Decode(data, conformance, Name, static r =>
        {
            var map = new StrictMap(r, Name, Keys);
            byte[] idObject = [], encSecret = [];
            int key;
            while ((key = map.Next()) >= 0)
            {
                if (key == 0) idObject = map.Bytes();
                else encSecret = map.Bytes();
            }
            map.RequireAll();
            return new AikChallenge(idObject, encSecret);
        });
}
