using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace Fobnail.Cbor;

/// <summary>
/// Forward-only reader for one CBOR data item (RFC 8949) from untrusted bytes. Every malformed, non-conforming or
/// over-limit input is reported as <see cref="CborException"/>; nothing else escapes. Limits: nesting depth
/// (arrays, maps, tags), declared lengths/counts versus the bytes that remain, and UTF-8 validity of text.
/// </summary>
public sealed class CborReader
{
    public const int DefaultMaxDepth = 16;

    private readonly ReadOnlyMemory<byte> _data;
    private readonly Frame[] _frames;
    private int _depth;
    private int _pos;
    private bool _rootRead;
    private int _pendingTags;

    private struct Frame
    {
        public bool IsMap;
        public bool Indefinite;
        /// <summary>Data items (keys and values counted separately) still expected in a definite container.</summary>
        public ulong Remaining;
        /// <summary>Items read so far (used to reject a break after a map key without value).</summary>
        public ulong ItemsRead;
    }

    public CborReader(ReadOnlyMemory<byte> data, CborConformance conformance = CborConformance.Strict, int maxDepth = DefaultMaxDepth)
    {
        if (maxDepth < 1 || maxDepth > 1024)
            throw new ArgumentOutOfRangeException(nameof(maxDepth));
        _data = data;
        Conformance = conformance;
        MaxDepth = maxDepth;
        _frames = new Frame[maxDepth];
    }

    public CborConformance Conformance { get; }
    public int MaxDepth { get; }
    public int CurrentDepth => _depth;
    public int BytesRemaining => _data.Length - _pos;
    public int Offset => _pos;

    private ReadOnlySpan<byte> Span => _data.Span;

    /// <summary>Kind of the next item, or EndArray/EndMap when the current container is complete, or Finished.</summary>
    public CborReaderState PeekState()
    {
        if (_depth == 0)
        {
            if (_rootRead && _pendingTags == 0)
            {
                if (_pos != _data.Length)
                    throw Error("trailing bytes after the top-level data item");
                return CborReaderState.Finished;
            }
        }
        else
        {
            ref Frame f = ref _frames[_depth - 1];
            if (!f.Indefinite && f.Remaining == 0 && _pendingTags == 0)
                return f.IsMap ? CborReaderState.EndMap : CborReaderState.EndArray;
        }
        if (_pos >= _data.Length)
            throw Error("unexpected end of data");
        byte ib = Span[_pos];
        if (ib == 0xFF)
        {
            if (_depth == 0 || !_frames[_depth - 1].Indefinite)
                throw Error("unexpected break byte (0xFF) outside an indefinite-length container");
            if (_pendingTags != 0)
                throw Error("tag not followed by a data item");
            ref Frame f = ref _frames[_depth - 1];
            if (f.IsMap && (f.ItemsRead & 1) != 0)
                throw Error("map key without value before break");
            return f.IsMap ? CborReaderState.EndMap : CborReaderState.EndArray;
        }
        var major = (CborMajorType)(ib >> 5);
        int ai = ib & 0x1F;
        return major switch
        {
            CborMajorType.UnsignedInteger => CborReaderState.UnsignedInteger,
            CborMajorType.NegativeInteger => CborReaderState.NegativeInteger,
            CborMajorType.ByteString => CborReaderState.ByteString,
            CborMajorType.TextString => CborReaderState.TextString,
            CborMajorType.Array => CborReaderState.StartArray,
            CborMajorType.Map => CborReaderState.StartMap,
            CborMajorType.Tag => CborReaderState.Tag,
            _ => ai switch
            {
                20 or 21 => CborReaderState.Boolean,
                22 => CborReaderState.Null,
                23 => CborReaderState.Undefined,
                25 or 26 or 27 => CborReaderState.Float,
                _ => CborReaderState.SimpleValue,
            },
        };
    }

    public ulong ReadUInt64()
    {
        BeginItem();
        ulong v = ReadHeader(CborMajorType.UnsignedInteger, out bool indefinite);
        if (indefinite) throw Error("indefinite length is not valid for an integer");
        EndItem();
        return v;
    }

    public uint ReadUInt32()
    {
        int start = _pos;
        ulong v = ReadUInt64();
        if (v > uint.MaxValue) throw Error($"integer {v} does not fit in 32 bits", start);
        return (uint)v;
    }

    public ushort ReadUInt16()
    {
        int start = _pos;
        ulong v = ReadUInt64();
        if (v > ushort.MaxValue) throw Error($"integer {v} does not fit in 16 bits", start);
        return (ushort)v;
    }

    public byte ReadUInt8()
    {
        int start = _pos;
        ulong v = ReadUInt64();
        if (v > byte.MaxValue) throw Error($"integer {v} does not fit in 8 bits", start);
        return (byte)v;
    }

    /// <summary>Reads major type 0 or 1 as a signed 64-bit value.</summary>
    public long ReadInt64()
    {
        BeginItem();
        int start = _pos;
        var major = PeekMajor();
        if (major != CborMajorType.UnsignedInteger && major != CborMajorType.NegativeInteger)
            throw Error($"expected an integer, found major type {major}");
        ulong v = ReadHeader(major, out bool indefinite);
        if (indefinite) throw Error("indefinite length is not valid for an integer");
        if (v > long.MaxValue) throw Error("integer out of the signed 64-bit range", start);
        EndItem();
        return major == CborMajorType.UnsignedInteger ? (long)v : -1 - (long)v;
    }

    /// <summary>
    /// Reads a negative integer's raw argument n (the value is -1-n); used where the full 64-bit range matters
    /// (diagnostic printing).
    /// </summary>
    public ulong ReadNegativeIntegerArgument()
    {
        BeginItem();
        ulong v = ReadHeader(CborMajorType.NegativeInteger, out bool indefinite);
        if (indefinite) throw Error("indefinite length is not valid for an integer");
        EndItem();
        return v;
    }

    public byte[] ReadByteString()
    {
        BeginItem();
        byte[] result = ReadStringBytes(CborMajorType.ByteString);
        EndItem();
        return result;
    }

    public string ReadTextString()
    {
        BeginItem();
        byte[] bytes = ReadStringBytes(CborMajorType.TextString);
        EndItem();
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Starts an array; returns its element count, or null for an indefinite-length array (lax only).</summary>
    public int? ReadStartArray() => ReadStartContainer(CborMajorType.Array);

    public void ReadEndArray() => ReadEndContainer(isMap: false);

    /// <summary>Starts a map; returns its pair count, or null for an indefinite-length map (lax only).</summary>
    public int? ReadStartMap() => ReadStartContainer(CborMajorType.Map);

    public void ReadEndMap() => ReadEndContainer(isMap: true);

    /// <summary>Reads a tag number; the tagged item follows and is read with the normal methods.</summary>
    public ulong ReadTag()
    {
        BeginItem();
        if (_pendingTags + _depth >= MaxDepth) throw Error("tag nesting exceeds the depth limit");
        ulong v = ReadHeader(CborMajorType.Tag, out bool indefinite);
        if (indefinite) throw Error("indefinite length is not valid for a tag");
        _pendingTags++;
        return v;
    }

    public bool ReadBoolean()
    {
        BeginItem();
        byte ib = ReadSimpleHeader();
        if (ib != 0xF4 && ib != 0xF5) throw Error("expected a boolean", _pos - 1);
        EndItem();
        return ib == 0xF5;
    }

    public void ReadNull()
    {
        BeginItem();
        if (ReadSimpleHeader() != 0xF6) throw Error("expected null", _pos - 1);
        EndItem();
    }

    /// <summary>Reads any simple value (major 7, not a float) and returns its number (RFC 8949 §3.3).</summary>
    public byte ReadSimpleValue()
    {
        BeginItem();
        byte ib = ReadSimpleHeader();
        int ai = ib & 0x1F;
        byte value;
        if (ai < 24)
        {
            value = (byte)ai;
        }
        else if (ai == 24)
        {
            Need(1);
            value = Span[_pos++];
            if (value < 32) throw Error("simple value below 32 in two-byte form is not well-formed", _pos - 2);
        }
        else
        {
            throw Error("expected a simple value", _pos - 1);
        }
        EndItem();
        return value;
    }

    /// <summary>Reads a half, single or double precision float (RFC 8949 §3.3) as a double.</summary>
    public double ReadDouble()
    {
        BeginItem();
        byte ib = ReadSimpleHeader();
        double d;
        switch (ib & 0x1F)
        {
            case 25: Need(2); d = (double)BinaryPrimitives.ReadHalfBigEndian(Span.Slice(_pos, 2)); _pos += 2; break;
            case 26: Need(4); d = BinaryPrimitives.ReadSingleBigEndian(Span.Slice(_pos, 4)); _pos += 4; break;
            case 27: Need(8); d = BinaryPrimitives.ReadDoubleBigEndian(Span.Slice(_pos, 8)); _pos += 8; break;
            default: throw Error("expected a floating-point value", _pos - 1);
        }
        EndItem();
        return d;
    }

    /// <summary>Skips the next data item, including everything nested inside it.</summary>
    public void SkipValue()
    {
        switch (PeekState())
        {
            case CborReaderState.UnsignedInteger: ReadUInt64(); break;
            case CborReaderState.NegativeInteger: ReadNegativeIntegerArgument(); break;
            case CborReaderState.ByteString: ReadByteString(); break;
            case CborReaderState.TextString: ReadTextString(); break;
            case CborReaderState.StartArray:
                ReadStartArray();
                while (PeekState() != CborReaderState.EndArray) SkipValue();
                ReadEndArray();
                break;
            case CborReaderState.StartMap:
                ReadStartMap();
                while (PeekState() != CborReaderState.EndMap) SkipValue();
                ReadEndMap();
                break;
            case CborReaderState.Tag: ReadTag(); SkipValue(); break;
            case CborReaderState.Float: ReadDouble(); break;
            case CborReaderState.Boolean:
            case CborReaderState.Null:
            case CborReaderState.Undefined:
            case CborReaderState.SimpleValue: ReadSimpleValue(); break;
            default: throw Error("no data item to skip");
        }
    }

    /// <summary>Throws unless the whole input has been consumed by exactly one data item.</summary>
    public void ReadEndOfData()
    {
        if (PeekState() != CborReaderState.Finished)
            throw Error("data item not fully read");
    }

    // ---- internals -------------------------------------------------------------------------------------

    private int? ReadStartContainer(CborMajorType major)
    {
        BeginItem();
        int start = _pos;
        if (_depth >= MaxDepth) throw Error($"nesting deeper than {MaxDepth}");
        ulong count = ReadHeader(major, out bool indefinite);
        ulong items = 0;
        if (!indefinite)
        {
            // Every element takes at least one byte: a count larger than what is left cannot be valid, and
            // checking here keeps a 4-byte header from announcing billions of items.
            items = major == CborMajorType.Map ? count * 2 : count;
            if (count > int.MaxValue || items > (ulong)BytesRemaining)
                throw Error($"{(major == CborMajorType.Map ? "map" : "array")} declares {count} entries but only {BytesRemaining} bytes remain", start);
        }
        _pendingTags = 0;
        _frames[_depth++] = new Frame { IsMap = major == CborMajorType.Map, Indefinite = indefinite, Remaining = items };
        return indefinite ? null : (int)count;
    }

    private void ReadEndContainer(bool isMap)
    {
        if (_depth == 0) throw Error("not inside a container");
        ref Frame f = ref _frames[_depth - 1];
        if (f.IsMap != isMap) throw Error(isMap ? "not inside a map" : "not inside an array");
        if (_pendingTags != 0) throw Error("tag not followed by a data item");
        if (f.Indefinite)
        {
            if (_pos >= _data.Length) throw Error("unexpected end of data (missing break)");
            if (Span[_pos] != 0xFF) throw Error("container has more items");
            if (f.IsMap && (f.ItemsRead & 1) != 0) throw Error("map key without value before break");
            _pos++;
        }
        else if (f.Remaining != 0)
        {
            throw Error("container has more items");
        }
        _depth--;
        EndItem();
    }

    private byte[] ReadStringBytes(CborMajorType major)
    {
        int start = _pos;
        ulong len = ReadHeader(major, out bool indefinite);
        if (!indefinite)
        {
            if (len > (ulong)BytesRemaining)
                throw Error($"string declares {len} bytes but only {BytesRemaining} remain", start);
            var slice = Span.Slice(_pos, (int)len);
            if (major == CborMajorType.TextString && !Utf8.IsValid(slice))
                throw Error("text string is not valid UTF-8", start);
            _pos += (int)len;
            _pendingTags = 0;
            return slice.ToArray();
        }
        // Indefinite-length string (lax only; ReadHeader already refused it in strict mode): a sequence of
        // definite-length chunks of the same major type, ended by a break. Total size is bounded by the input.
        var chunks = new List<byte>();
        while (true)
        {
            Need(1);
            if (Span[_pos] == 0xFF) { _pos++; break; }
            int chunkStart = _pos;
            if ((CborMajorType)(Span[_pos] >> 5) != major)
                throw Error("indefinite-length string chunk has the wrong major type", chunkStart);
            ulong clen = ReadHeader(major, out bool chunkIndefinite);
            if (chunkIndefinite) throw Error("nested indefinite-length string chunk", chunkStart);
            if (clen > (ulong)BytesRemaining)
                throw Error($"string chunk declares {clen} bytes but only {BytesRemaining} remain", chunkStart);
            var chunk = Span.Slice(_pos, (int)clen);
            if (major == CborMajorType.TextString && !Utf8.IsValid(chunk))
                throw Error("text string chunk is not valid UTF-8", chunkStart);
            foreach (byte b in chunk) chunks.Add(b);
            _pos += (int)clen;
        }
        _pendingTags = 0;
        return chunks.ToArray();
    }

    private CborMajorType PeekMajor()
    {
        Need(1);
        return (CborMajorType)(Span[_pos] >> 5);
    }

    /// <summary>Consumes an initial byte of major type 7 (not the break) and returns it.</summary>
    private byte ReadSimpleHeader()
    {
        Need(1);
        byte ib = Span[_pos];
        if ((CborMajorType)(ib >> 5) != CborMajorType.SimpleOrFloat || ib == 0xFF)
            throw Error($"expected a simple value or float, found major type {(CborMajorType)(ib >> 5)}");
        int ai = ib & 0x1F;
        if (ai is 28 or 29 or 30) throw Error("reserved additional information value");
        _pos++;
        _pendingTags = 0;
        return ib;
    }

    /// <summary>
    /// Reads the initial byte and argument (RFC 8949 §3) of an item of the expected major type. Enforces
    /// preferred encoding and definite length in strict mode.
    /// </summary>
    private ulong ReadHeader(CborMajorType expected, out bool indefinite)
    {
        Need(1);
        int start = _pos;
        byte ib = Span[_pos];
        var major = (CborMajorType)(ib >> 5);
        if (major != expected) throw Error($"expected {expected}, found {major}");
        int ai = ib & 0x1F;
        _pos++;
        indefinite = false;
        ulong value;
        switch (ai)
        {
            case < 24:
                value = (ulong)ai;
                break;
            case 24:
                Need(1); value = Span[_pos]; _pos += 1;
                if (Conformance != CborConformance.Lax && value < 24) throw Error("non-minimal integer encoding", start);
                break;
            case 25:
                Need(2); value = BinaryPrimitives.ReadUInt16BigEndian(Span.Slice(_pos, 2)); _pos += 2;
                if (Conformance != CborConformance.Lax && value <= byte.MaxValue) throw Error("non-minimal integer encoding", start);
                break;
            case 26:
                Need(4); value = BinaryPrimitives.ReadUInt32BigEndian(Span.Slice(_pos, 4)); _pos += 4;
                if (Conformance != CborConformance.Lax && value <= ushort.MaxValue) throw Error("non-minimal integer encoding", start);
                break;
            case 27:
                Need(8); value = BinaryPrimitives.ReadUInt64BigEndian(Span.Slice(_pos, 8)); _pos += 8;
                if (Conformance != CborConformance.Lax && value <= uint.MaxValue) throw Error("non-minimal integer encoding", start);
                break;
            case 31:
                if (major is not (CborMajorType.ByteString or CborMajorType.TextString or CborMajorType.Array or CborMajorType.Map))
                    throw Error($"indefinite length is not valid for major type {major}", start);
                if (Conformance != CborConformance.Lax)
                    throw Error("indefinite-length encoding is not allowed in strict mode", start);
                indefinite = true;
                value = 0;
                break;
            default:
                throw Error("reserved additional information value (28-30)", start);
        }
        return value;
    }

    private void Need(int n)
    {
        if (BytesRemaining < n) throw Error("unexpected end of data");
    }

    /// <summary>Checks that a new data item may start here.</summary>
    private void BeginItem()
    {
        if (_pendingTags != 0) return; // the item is the content of a tag already accounted for
        if (_depth == 0)
        {
            if (_rootRead) throw Error("only one top-level data item is allowed");
            return;
        }
        ref Frame f = ref _frames[_depth - 1];
        if (f.Indefinite)
        {
            if (_pos < _data.Length && Span[_pos] == 0xFF) throw Error("container is at its end");
        }
        else if (f.Remaining == 0)
        {
            throw Error("container is at its end");
        }
    }

    private void EndItem()
    {
        _pendingTags = 0;
        if (_depth == 0)
        {
            _rootRead = true;
            return;
        }
        ref Frame f = ref _frames[_depth - 1];
        if (!f.Indefinite) f.Remaining--;
        f.ItemsRead++;
    }

    private CborException Error(string message, int offset = -1)
    {
        int at = offset >= 0 ? offset : _pos;
        return new CborException($"{message} (at byte {at})") { Offset = at };
    }
}
