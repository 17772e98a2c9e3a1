namespace Fobnail.Protocol;

/// <summary>
/// The only exception thrown by the typed messages' Decode methods: malformed CBOR (wrapped
/// <see cref="Fobnail.Cbor.CborException"/>), unknown, duplicate or missing keys, wrong types, or values outside
/// the protocol's limits.
/// </summary>
public sealed class ProtocolDecodeException : Exception
{
    public ProtocolDecodeException(string message) : base(message) { }

    public ProtocolDecodeException(string message, Exception inner) : base(message, inner) { }
}
