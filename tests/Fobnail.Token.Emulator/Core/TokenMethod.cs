namespace Fobnail.Token.Emulator.Core;

/// <summary>CoAP request method codes (RFC 7252 §12.1.1, RFC 8132).</summary>
public enum TokenMethod : byte
{
    Get = 1,
    Post = 2,
    Put = 3,
    Delete = 4,
    Fetch = 5,
    Patch = 6,
    IPatch = 7,
}
