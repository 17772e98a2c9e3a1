namespace Fobnail.Coap;

/// <summary>
/// Block1/Block2 value (RFC 7959 §2.2): NUM (up to 20 bits), M (more), SZX (block size 2^(SZX+4), 0–6; 7 is
/// reserved for BERT and invalid over UDP).
/// </summary>
public readonly record struct CoapBlockOption(uint Num, bool More, int Szx)
{
    public const uint MaxNum = (1 << 20) - 1;

    public int Size => 1 << (Szx + 4);

    /// <summary>Byte offset of this block in the body.</summary>
    public long Offset => (long)Num * Size;

    public static int SzxForSize(int size) => size switch
    {
        16 => 0, 32 => 1, 64 => 2, 128 => 3, 256 => 4, 512 => 5, 1024 => 6,
        _ => throw new ArgumentOutOfRangeException(nameof(size), "block size must be a power of two from 16 to 1024"),
    };

    public uint ToUInt()
    {
        if (Num > MaxNum) throw new CoapFormatException($"block number {Num} exceeds 20 bits");
        if (Szx is < 0 or > 6) throw new CoapFormatException($"SZX {Szx} is not valid over UDP");
        return (Num << 4) | (More ? 8u : 0u) | (uint)Szx;
    }

    public CoapOption ToOption(ushort number) => CoapOption.UInt(number, ToUInt());

    /// <summary>Decodes a 0–3 byte Block option value.</summary>
    public static CoapBlockOption FromOption(CoapOption option)
    {
        if (option.Value.Length > 3)
            throw new CoapFormatException($"{CoapOptionNumber.NameOf(option.Number)}: value of {option.Value.Length} bytes (at most 3)");
        uint v = option.GetUInt();
        int szx = (int)(v & 7);
        if (szx == 7) throw new CoapFormatException($"{CoapOptionNumber.NameOf(option.Number)}: SZX 7 (BERT) is not valid over UDP");
        return new CoapBlockOption(v >> 4, (v & 8) != 0, szx);
    }

    public override string ToString() => $"{Num}/{(More ? 1 : 0)}/{Size}";
}
