using System.Buffers.Binary;

namespace Fobnail.Token.Emulator.Tpm;

/// <summary>Big-endian TPM 2.0 unmarshalling (Part 2 §5) over untrusted bytes; every read is bounds-checked.</summary>
internal ref struct TpmReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _offset;

    public readonly int Remaining => _data.Length - _offset;

    public byte U8(string field) => Take(1, field)[0];

    public ushort U16(string field) => BinaryPrimitives.ReadUInt16BigEndian(Take(2, field));

    public uint U32(string field) => BinaryPrimitives.ReadUInt32BigEndian(Take(4, field));

    public ulong U64(string field) => BinaryPrimitives.ReadUInt64BigEndian(Take(8, field));

    /// <summary>A TPM2B: u16 size then that many bytes, refused above <paramref name="maxSize"/>.</summary>
    public ReadOnlySpan<byte> Tpm2b(string field, int maxSize)
    {
        ushort size = U16(field);
        if (size > maxSize) throw new TpmParseException($"{field}: size {size} exceeds the limit {maxSize}");
        return Take(size, field);
    }

    public ReadOnlySpan<byte> Take(int count, string field)
    {
        if (count > Remaining)
            throw new TpmParseException($"{field}: needs {count} bytes at offset {_offset}, only {Remaining} left");
        ReadOnlySpan<byte> s = _data.Slice(_offset, count);
        _offset += count;
        return s;
    }

    public readonly void ExpectEnd(string structure)
    {
        if (Remaining != 0) throw new TpmParseException($"{structure}: {Remaining} trailing bytes");
    }
}
