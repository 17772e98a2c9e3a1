namespace Fobnail.Coap;

/// <summary>
/// A datagram or option value that violates RFC 7252 §3 / RFC 7959 §2.2 (a "message format error"). The only
/// exception <see cref="CoapMessage.Decode"/> and the option value accessors throw.
/// </summary>
public sealed class CoapFormatException : Exception
{
    public CoapFormatException(string message) : base(message) { }
}
