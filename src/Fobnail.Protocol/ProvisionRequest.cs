using Fobnail.Cbor;

namespace Fobnail.Protocol;

/// <summary>
/// POST /api/v1/admin/provision request (§5.4c): <c>{"ek": uint, "aik": uint, "secret": bstr}</c>; the secret
/// is the 32-byte certInfo from TPM2_ActivateCredential (without its size prefix).
/// </summary>
public sealed record ProvisionRequest(uint Ek, uint Aik, byte[] Secret)
{
    private static readonly string[] Keys = ["ek", "aik", "secret"];

    private const string Name = nameof(ProvisionRequest);

    public byte[] Encode() => MessageCodec.Encode(Write);

    public void Write(CborWriter w)
    {
        w.WriteStartMap(3);
        w.WriteTextString("ek");
        w.WriteUInt32(Ek);
        w.WriteTextString("aik");
        w.WriteUInt32(Aik);
        w.WriteTextString("secret");
        w.WriteByteString(Secret);
        w.WriteEndMap();
    }

    public static ProvisionRequest Decode(ReadOnlyMemory<byte> data, CborConformance conformance = CborConformance.Strict) =>
        MessageCodec.Decode(data, conformance, Name, static r =>
        {
            var map = new StrictMap(r, Name, Keys);
            uint ek = 0, aik = 0;
            byte[] secret = [];
            int key;
            while ((key = map.Next()) >= 0)
            {
                switch (key)
                {
                    case 0: ek = map.UInt32(); break;
                    case 1: aik = map.UInt32(); break;
                    default: secret = map.Bytes(); break;
                }
            }
            map.RequireAll();
            return new ProvisionRequest(ek, aik, secret);
        });
}
