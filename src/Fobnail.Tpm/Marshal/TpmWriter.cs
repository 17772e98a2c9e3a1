using System.Buffers.Binary;

namespace Fobnail.Tpm;

/// <summary>
/// Marshals TPM 2.0 structures per Part 2 §4 (big-endian integers, TPM2B = UINT16 size + bytes,
/// TPML = UINT32 count + elements). Nested sized structures (TPM2B_PUBLIC, TPM2B_SENSITIVE_CREATE) use
/// <see cref="BeginSize"/>/<see cref="EndSize"/> so the size is patched in after the content is written.
/// </summary>
public sealed class TpmWriter
{
    private byte[] _buffer;
    private int _length;

    public TpmWriter(int capacity = 256) => _buffer = new byte[Math.Max(capacity, 16)];

    public int Length => _length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    public void WriteU8(byte value) => Grow(1)[0] = value;

    public void WriteU16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Grow(2), value);

    public void WriteU32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Grow(4), value);

    public void WriteU64(ulong value) => BinaryPrimitives.WriteUInt64BigEndian(Grow(8), value);

    public void WriteBytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Grow(bytes.Length));

    /// <summary>A TPM2B: UINT16 size then the bytes.</summary>
    public void WriteTpm2b(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > ushort.MaxValue)
            throw new ArgumentException($"TPM2B content of {bytes.Length} bytes exceeds 65535", nameof(bytes));
        WriteU16((ushort)bytes.Length);
        WriteBytes(bytes);
    }

    /// <summary>Reserves a UINT16 size field; returns its position for <see cref="EndSize"/>.</summary>
    public int BeginSize()
    {
        int position = _length;
        Grow(2);
        return position;
    }

    /// <summary>Patches the UINT16 size at <paramref name="position"/> with the bytes written since.</summary>
    public void EndSize(int position)
    {
        int size = _length - position - 2;
        if (size > ushort.MaxValue)
            throw new InvalidOperationException($"sized structure of {size} bytes exceeds 65535");
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(position, 2), (ushort)size);
    }

    /// <summary>Overwrites a UINT32 at <paramref name="position"/> (the command header's commandSize).</summary>
    public void PatchU32(int position, uint value) => BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(position, 4), value);

    private Span<byte> Grow(int count)
    {
        if (_length + count > _buffer.Length)
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        Span<byte> span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
