using Fobnail.Cbor;

namespace Fobnail.Protocol;

/// <summary>
/// Reads one CBOR map whose keys must be text strings from a closed set: any unknown key, a duplicate, or a
/// non-text key is a <see cref="ProtocolDecodeException"/> (the token's decoder cannot skip unknown keys, §4).
/// Key order is free, as in serde's derived visitors.
/// </summary>
internal sealed class StrictMap
{
    private readonly CborReader _reader;
    private readonly string _message;
    private readonly string[] _keys;
    private readonly int? _count;
    private int _entries;
    private uint _seen;

    public StrictMap(CborReader reader, string message, string[] keys)
    {
        _reader = reader;
        _message = message;
        _keys = keys;
        int? count = _count = reader.ReadStartMap();
        if (count > keys.Length && reader.Conformance != CborConformance.CborSmol)
            throw new ProtocolDecodeException($"{message}: map has {count} entries, expected {keys.Length}");
    }

    /// <summary>Advances to the next key; returns its index in the key list, or -1 at the end of the map.</summary>
    public int Next()
    {
        if (_reader.PeekState() == CborReaderState.EndMap)
        {
            _reader.ReadEndMap();
            return -1;
        }
        if (_reader.PeekState() != CborReaderState.TextString)
            throw new ProtocolDecodeException($"{_message}: map key is not a text string");
        string key = _reader.ReadTextString();
        _entries++;
        int index = Array.IndexOf(_keys, key);
        // cbor-smol leaves an unknown key's value unread; behind the top-level map's last key that is the end.
        if (index < 0 && _reader.Conformance == CborConformance.CborSmol && _reader.CurrentDepth == 1 && _entries == _count)
            return -1;
        if (index < 0) throw new ProtocolDecodeException($"{_message}: unknown key \"{PeerText.Escape(key, 32)}\"");
        if ((_seen & (1u << index)) != 0) throw new ProtocolDecodeException($"{_message}: duplicate key \"{key}\"");
        _seen |= 1u << index;
        return index;
    }

    /// <summary>Throws unless every key was present.</summary>
    public void RequireAll()
    {
        for (int i = 0; i < _keys.Length; i++)
            if ((_seen & (1u << i)) == 0)
                throw new ProtocolDecodeException($"{_message}: missing key \"{_keys[i]}\"");
    }

    public byte[] Bytes(int exactLength = -1, int maxLength = int.MaxValue)
    {
        byte[] value = _reader.ReadByteString();
        if (exactLength >= 0 && value.Length != exactLength)
            throw new ProtocolDecodeException($"{_message}: byte string of {value.Length} bytes, expected {exactLength}");
        if (value.Length > maxLength)
            throw new ProtocolDecodeException($"{_message}: byte string of {value.Length} bytes exceeds {maxLength}");
        return value;
    }

    public string Text() => _reader.ReadTextString();

    public uint UInt32() => _reader.ReadUInt32();

    public ushort UInt16() => _reader.ReadUInt16();

    public byte UInt8() => _reader.ReadUInt8();

    public CborReader Reader => _reader;
}
