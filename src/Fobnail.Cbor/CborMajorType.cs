namespace Fobnail.Cbor;

/// <summary>RFC 8949 §3.1 major types (the top three bits of the initial byte).</summary>
public enum CborMajorType : byte
{
    UnsignedInteger = 0,
    NegativeInteger = 1,
    ByteString = 2,
    TextString = 3,
    Array = 4,
    Map = 5,
    Tag = 6,
    SimpleOrFloat = 7,
}
