using Fobnail.Cbor;

namespace Fobnail.Protocol;

/// <summary>
/// Platform metadata (§6): exactly five keys, encoded in the reference attester's order <c>version, mac,
/// manufacturer, product_name, serial_number</c> (§6.3). SHA-256 of <see cref="Encode"/> is the platform id,
/// so this order and the minimal encodings must never change. The decoder accepts any key order (like the
/// token) but no other keys. Semantic checks (version 1, non-empty strings) are the receiver's: the token
/// answers those with 4.00 and specific texts, not as decode errors.
/// </summary>
public sealed record Metadata(byte Version, byte[] Mac, string Manufacturer, string ProductName, string SerialNumber)
{
    private static readonly string[] Keys = ["version", "mac", "manufacturer", "product_name", "serial_number"];

    private const string Name = nameof(Metadata);

    /// <summary>CURRENT_VERSION of the metadata format.</summary>
    public const byte CurrentVersion = 1;

    public byte[] Encode() => MessageCodec.Encode(Write);

    public void Write(CborWriter w)
    {
        if (Mac.Length != ProtocolLimits.MacSize)
            throw new ArgumentException($"metadata MAC must be {ProtocolLimits.MacSize} bytes, not {Mac.Length}");
        w.WriteStartMap(5);
        w.WriteTextString("version");
        w.WriteUInt32(Version);
        w.WriteTextString("mac");
        w.WriteByteString(Mac);
        w.WriteTextString("manufacturer");
        w.WriteTextString(Manufacturer);
        w.WriteTextString("product_name");
        w.WriteTextString(ProductName);
        w.WriteTextString("serial_number");
        w.WriteTextString(SerialNumber);
        w.WriteEndMap();
    }

    public static Metadata Decode(ReadOnlyMemory<byte> data, CborConformance conformance = CborConformance.Strict) =>
        MessageCodec.Decode(data, conformance, Name, static r =>
        {
            var map = new StrictMap(r, Name, Keys);
            byte version = 0;
            byte[] mac = [];
            string manufacturer = "", product = "", serial = "";
            int key;
            while ((key = map.Next()) >= 0)
            {
                switch (key)
                {
                    case 0: version = map.UInt8(); break;
                    case 1: mac = map.Bytes(exactLength: ProtocolLimits.MacSize); break;
                    case 2: manufacturer = map.Text(); break;
                    case 3: product = map.Text(); break;
                    default: serial = map.Text(); break;
                }
            }
            map.RequireAll();
            return new Metadata(version, mac, manufacturer, product, serial);
        });
}
