using System.Buffers.Binary;
using System.Text;

namespace Fobnail.Cbor;

/// <summary>
/// CBOR encoder producing preferred serialization (RFC 8949 §4.1): the shortest argument encoding for every
/// integer, length and count, and definite lengths. Map entries are written in the caller's order (never
/// sorted): the order is part of the metadata bytes that identify a platform. Declared counts are checked, so
/// an unbalanced or miscounted structure is a <see cref="CborException"/> instead of silently wrong bytes.
/// </summary>
public sealed class CborWriter
{
    private byte[] _buffer;
    private int _length;
    private Frame[] _frames = new Frame[4];
    private int _depth;
    private bool _rootWritten;

    private struct Frame
    {
        public bool IsMap;
        public bool Indefinite;
        public long Remaining;
        public long ItemsWritten;
    }

    public CborWriter(int initialCapacity = 256)
    {
        _buffer = new byte[Math.Max(16, initialCapacity)];
    }

    public int BytesWritten => _length;

    /// <summary>True once exactly one complete top-level item has been written.</summary>
    public bool IsComplete => _rootWritten && _depth == 0;

    public void WriteUInt64(ulong value)
    {
        BeginItem();
        WriteHeader(CborMajorType.UnsignedInteger, value);
        EndItem();
    }

    public void WriteUInt32(uint value) => WriteUInt64(value);

    public void WriteInt64(long value)
    {
        BeginItem();
        if (value >= 0) WriteHeader(CborMajorType.UnsignedInteger, (ulong)value);
        else WriteHeader(CborMajorType.NegativeInteger, (ulong)(-1 - value));
        EndItem();
    }

    public void WriteByteString(ReadOnlySpan<byte> value)
    {
        BeginItem();
        WriteHeader(CborMajorType.ByteString, (ulong)value.Length);
        Append(value);
        EndItem();
    }

    public void WriteTextString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        BeginItem();
        int byteCount = Encoding.UTF8.GetByteCount(value);
        WriteHeader(CborMajorType.TextString, (ulong)byteCount);
        Reserve(byteCount);
        _length += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length));
        EndItem();
    }

    /// <summary>Writes a text string given as UTF-8 bytes (not validated; callers pass constants).</summary>
    public void WriteTextString(ReadOnlySpan<byte> utf8)
    {
        BeginItem();
        WriteHeader(CborMajorType.TextString, (ulong)utf8.Length);
        Append(utf8);
        EndItem();
    }

    public void WriteStartArray(int count) => StartContainer(CborMajorType.Array, count);

    public void WriteEndArray() => EndContainer(isMap: false);

    /// <summary>Starts a definite-length map of <paramref name="pairCount"/> key/value pairs.</summary>
    public void WriteStartMap(int pairCount) => StartContainer(CborMajorType.Map, pairCount);

    public void WriteEndMap() => EndContainer(isMap: true);

    /// <summary>
    /// Starts an indefinite-length map (0xBF ... 0xFF). Only for reproducing the token firmware's
    /// <c>/attest</c> response, which serde's flatten makes indefinite (protocol §4); everything else is definite.
    /// </summary>
    public void WriteStartIndefiniteLengthMap()
    {
        BeginItem();
        Reserve(1);
        _buffer[_length++] = 0xBF;
        Push(new Frame { IsMap = true, Indefinite = true });
    }

    public void WriteTag(ulong tag)
    {
        BeginItem();
        WriteHeader(CborMajorType.Tag, tag);
        // The tagged item that follows completes this item; nothing to account here.
    }

    public void WriteBoolean(bool value) => WriteSimpleByte(value ? (byte)0xF5 : (byte)0xF4);

    public void WriteNull() => WriteSimpleByte(0xF6);

    /// <summary>Copies an already-encoded data item verbatim (e.g. a nested structure encoded elsewhere).</summary>
    public void WriteEncodedValue(ReadOnlySpan<byte> encoded)
    {
        BeginItem();
        Append(encoded);
        EndItem();
    }

    /// <summary>The encoding; throws if the top-level item or a container is incomplete.</summary>
    public byte[] Encode()
    {
        if (!IsComplete) throw new CborException("CBOR writer: data item is incomplete");
        return _buffer.AsSpan(0, _length).ToArray();
    }

    /// <summary>Clears the writer for reuse without releasing its buffer.</summary>
    public void Reset()
    {
        _length = 0;
        _depth = 0;
        _rootWritten = false;
    }

    private void Push(Frame frame)
    {
        if (_depth == _frames.Length) Array.Resize(ref _frames, _depth * 2);
        _frames[_depth++] = frame;
    }

    private void WriteSimpleByte(byte b)
    {
        BeginItem();
        Reserve(1);
        _buffer[_length++] = b;
        EndItem();
    }

    private void StartContainer(CborMajorType major, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        BeginItem();
        WriteHeader(major, (ulong)count);
        bool isMap = major == CborMajorType.Map;
        Push(new Frame { IsMap = isMap, Remaining = isMap ? 2L * count : count });
    }

    private void EndContainer(bool isMap)
    {
        if (_depth == 0) throw new CborException("CBOR writer: no open container");
        ref Frame f = ref _frames[_depth - 1];
        if (f.IsMap != isMap) throw new CborException("CBOR writer: closing the wrong kind of container");
        if (f.Indefinite)
        {
            if ((f.ItemsWritten & 1) != 0) throw new CborException("CBOR writer: map key without value");
            Reserve(1);
            _buffer[_length++] = 0xFF;
        }
        else if (f.Remaining != 0)
        {
            throw new CborException($"CBOR writer: container closed with {f.Remaining} items missing");
        }
        _depth--;
        EndItem();
    }

    private void BeginItem()
    {
        if (_depth == 0)
        {
            if (_rootWritten) throw new CborException("CBOR writer: only one top-level data item is allowed");
            return;
        }
        ref Frame f = ref _frames[_depth - 1];
        if (!f.Indefinite && f.Remaining == 0)
            throw new CborException("CBOR writer: more items than the container declared");
    }

    private void EndItem()
    {
        if (_depth == 0)
        {
            _rootWritten = true;
            return;
        }
        ref Frame f = ref _frames[_depth - 1];
        if (!f.Indefinite) f.Remaining--;
        f.ItemsWritten++;
    }

    /// <summary>Initial byte plus the shortest argument encoding (RFC 8949 §4.2.1 preferred serialization).</summary>
    private void WriteHeader(CborMajorType major, ulong value)
    {
        Reserve(9);
        byte mt = (byte)((byte)major << 5);
        Span<byte> dst = _buffer.AsSpan(_length);
        if (value < 24)
        {
            dst[0] = (byte)(mt | (byte)value);
            _length += 1;
        }
        else if (value <= byte.MaxValue)
        {
            dst[0] = (byte)(mt | 24);
            dst[1] = (byte)value;
            _length += 2;
        }
        else if (value <= ushort.MaxValue)
        {
            dst[0] = (byte)(mt | 25);
            BinaryPrimitives.WriteUInt16BigEndian(dst[1..], (ushort)value);
            _length += 3;
        }
        else if (value <= uint.MaxValue)
        {
            dst[0] = (byte)(mt | 26);
            BinaryPrimitives.WriteUInt32BigEndian(dst[1..], (uint)value);
            _length += 5;
        }
        else
        {
            dst[0] = (byte)(mt | 27);
            BinaryPrimitives.WriteUInt64BigEndian(dst[1..], value);
            _length += 9;
        }
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        Reserve(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    private void Reserve(int n)
    {
        if (_length + n <= _buffer.Length) return;
        int size = Math.Max(_buffer.Length * 2, _length + n);
        Array.Resize(ref _buffer, size);
    }
}
