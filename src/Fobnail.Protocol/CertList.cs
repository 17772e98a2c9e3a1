using Fobnail.Cbor;

namespace Fobnail.Protocol;

/// <summary>The <c>{"certs": [bstr, ...]}</c> shape shared by the EK chain and the PO chain.</summary>
internal static class CertList
{
    private static readonly string[] Keys = ["certs"];

    /// <summary>Decoder bound; the protocol allows at most 3 (PO chain).</summary>
    private const int MaxCerts = 8;

    public static byte[] Encode(IReadOnlyList<byte[]> certs) => MessageCodec.Encode(w => Write(w, certs), certs.Sum(c => c.Length + 3) + 16);

    public static void Write(CborWriter w, IReadOnlyList<byte[]> certs)
    {
        w.WriteStartMap(1);
        w.WriteTextString("certs");
        MessageCodec.WriteByteStringArray(w, certs);
        w.WriteEndMap();
    }

    public static byte[][] Decode(ReadOnlyMemory<byte> data, CborConformance conformance, string name) =>
        MessageCodec.Decode(data, conformance, name, r =>
        {
            var map = new StrictMap(r, name, Keys);
            byte[][] certs = [];
            while (map.Next() >= 0)
                certs = MessageCodec.ReadByteStringArray(r, name, "certs", MaxCerts);
            map.RequireAll();
            return certs;
        });
}
