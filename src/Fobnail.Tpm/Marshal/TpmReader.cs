using System.Buffers.Binary;

namespace Fobnail.Tpm;

/// <summary>
/// Unmarshals TPM 2.0 structures from untrusted bytes. Every read is checked against the bytes remaining in
/// this reader's window first; a violation throws <see cref="TpmParseException"/> naming <see cref="Context"/>
/// (the command or structure being parsed), never IndexOutOfRange.
/// </summary>
public sealed class TpmReader
{
    private readonly byte[] _data;
    private readonly int _end;
    private int _position;

    public TpmReader(byte[] data, string context) : this(data, 0, data.Length, context) { }

    private TpmReader(byte[] data, int start, int end, string context)
    {
        _data = data;
        _position = start;
        _end = end;
        Context = context;
    }

    /// <summary>What is being parsed, e.g. "TPM2_Quote"; prefixes every error message.</summary>
    public string Context { get; }

    public int Remaining => _end - _position;

    public bool AtEnd => _position == _end;

    public byte ReadU8() => Take(1, "UINT8")[0];

    public ushort ReadU16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2, "UINT16"));

    public uint ReadU32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4, "UINT32"));

    public ulong ReadU64() => BinaryPrimitives.ReadUInt64BigEndian(Take(8, "UINT64"));

    public byte[] ReadBytes(int count, string what) => Take(count, what).ToArray();

    /// <summary>A TPM2B whose size must not exceed <paramref name="maxSize"/> (the Part 2 buffer bound).</summary>
    public byte[] ReadTpm2b(int maxSize, string what)
    {
        ushort size = ReadU16();
        if (size > maxSize)
            throw Fail($"{what} size {size} exceeds the maximum {maxSize}");
        return ReadBytes(size, what);
    }

    /// <summary>
    /// A sized structure (TPM2B_PUBLIC, TPM2B_ATTEST, ...): reads the UINT16 size and returns a reader over
    /// exactly that many bytes; this reader moves past them.
    /// </summary>
    public TpmReader ReadSized(int maxSize, string what)
    {
        ushort size = ReadU16();
        if (size > maxSize)
            throw Fail($"{what} size {size} exceeds the maximum {maxSize}");
        return Slice(size, what);
    }

    /// <summary>A reader over the next <paramref name="count"/> bytes; this reader moves past them.</summary>
    public TpmReader Slice(int count, string what)
    {
        if (count < 0 || count > Remaining)
            throw Fail($"{what} needs {count} bytes, {Remaining} remain");
        var slice = new TpmReader(_data, _position, _position + count, Context);
        _position += count;
        return slice;
    }

    /// <summary>A TPML count, bounded by the structure's maximum and by the bytes remaining.</summary>
    public int ReadCount(uint max, int minElementSize, string what)
    {
        uint count = ReadU32();
        if (count > max)
            throw Fail($"{what} count {count} exceeds the maximum {max}");
        if ((long)count * minElementSize > Remaining)
            throw Fail($"{what} count {count} does not fit the {Remaining} bytes remaining");
        return (int)count;
    }

    /// <summary>The rest of this reader's window as raw bytes.</summary>
    public byte[] ReadRemaining() => ReadBytes(Remaining, "remaining bytes");

    /// <summary>Asserts the structure consumed every byte (trailing bytes mean an inconsistent response).</summary>
    public void ExpectEnd(string what)
    {
        if (Remaining != 0)
            throw Fail($"{Remaining} unexpected trailing bytes after {what}");
    }

    public TpmParseException Fail(string message) => new(Context, message);

    private ReadOnlySpan<byte> Take(int count, string what)
    {
        if (count < 0 || count > Remaining)
            throw Fail($"truncated {what}: needs {count} bytes, {Remaining} remain");
        var span = new ReadOnlySpan<byte>(_data, _position, count);
        _position += count;
        return span;
    }
}
