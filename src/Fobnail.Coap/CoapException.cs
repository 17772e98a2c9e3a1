namespace Fobnail.Coap;

/// <summary>A CoAP exchange failed (timeout, reset, broken block-wise transfer).</summary>
public class CoapException : Exception
{
    public CoapException(string message) : base(message) { }
}

/// <summary>No ACK/response after MAX_RETRANSMIT retransmissions (RFC 7252 §4.2).</summary>
public sealed class CoapTimeoutException : CoapException
{
    public CoapTimeoutException(string message) : base(message) { }
}

/// <summary>The peer answered our message with RST (RFC 7252 §4.2: it could not process it).</summary>
public sealed class CoapResetException : CoapException
{
    public CoapResetException(string message) : base(message) { }
}
