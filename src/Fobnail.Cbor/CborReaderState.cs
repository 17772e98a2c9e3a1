namespace Fobnail.Cbor;

/// <summary>What <see cref="CborReader.PeekState"/> says the next item is.</summary>
public enum CborReaderState
{
    UnsignedInteger,
    NegativeInteger,
    ByteString,
    TextString,
    StartArray,
    EndArray,
    StartMap,
    EndMap,
    Tag,
    Boolean,
    Null,
    Undefined,
    SimpleValue,
    Float,
    /// <summary>All top-level items have been read.</summary>
    Finished,
}
