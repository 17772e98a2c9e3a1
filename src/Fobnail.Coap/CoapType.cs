namespace Fobnail.Coap;

/// <summary>RFC 7252 §3 message type (T).</summary>
public enum CoapType : byte
{
    Confirmable = 0,
    NonConfirmable = 1,
    Acknowledgement = 2,
    Reset = 3,
}
