using System.Buffers.Binary;
using System.Text;

namespace Fobnail.Coap;

/// <summary>One option instance: number and raw value (RFC 7252 §3.1, §5.4).</summary>
public readonly record struct CoapOption(ushort Number, byte[] Value)
{
    /// <summary>An option with a uint value in the minimal form of RFC 7252 §3.2 (0 is the empty value).</summary>
    public static CoapOption UInt(ushort number, uint value) => new(number, EncodeUInt(value));

    public static CoapOption String(ushort number, string value) => new(number, Encoding.UTF8.GetBytes(value));

    /// <summary>The value as a uint (RFC 7252 §3.2: 0–4 bytes, big-endian; leading zeros tolerated).</summary>
    public uint GetUInt()
    {
        if (Value.Length > 4) throw new CoapFormatException($"{CoapOptionNumber.NameOf(Number)}: uint value of {Value.Length} bytes");
        uint v = 0;
        foreach (byte b in Value) v = (v << 8) | b;
        return v;
    }

    public string GetString() => Encoding.UTF8.GetString(Value);

    public static byte[] EncodeUInt(uint value)
    {
        if (value == 0) return [];
        Span<byte> tmp = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(tmp, value);
        int skip = value <= 0xFF ? 3 : value <= 0xFFFF ? 2 : value <= 0xFFFFFF ? 1 : 0;
        return tmp[skip..].ToArray();
    }

    public override string ToString() => CoapOptionNumber.NameOf(Number) + ": " + Convert.ToHexString(Value);
}
