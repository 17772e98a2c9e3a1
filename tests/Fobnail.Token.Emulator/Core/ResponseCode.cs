namespace Fobnail.Token.Emulator.Core;

/// <summary>CoAP response codes (RFC 7252 §12.1.2) as the single code byte: class &lt;&lt; 5 | detail.</summary>
public static class ResponseCode
{
    public const byte Created = 0x41;              // 2.01
    public const byte Deleted = 0x42;              // 2.02
    public const byte Changed = 0x44;              // 2.04
    public const byte Content = 0x45;              // 2.05
    public const byte BadRequest = 0x80;           // 4.00
    public const byte Forbidden = 0x83;            // 4.03
    public const byte NotFound = 0x84;             // 4.04
    public const byte MethodNotAllowed = 0x85;     // 4.05
    public const byte NotAcceptable = 0x86;        // 4.06
    public const byte InternalServerError = 0xA0;  // 5.00

    /// <summary>"c.dd" form for logs and test messages.</summary>
    public static string Format(byte code) => $"{code >> 5}.{code & 0x1F:D2}";
}
