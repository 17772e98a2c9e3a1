using System.Globalization;

namespace Fobnail.Coap;

/// <summary>RFC 7252 §3 / §12.1 code: 3-bit class and 5-bit detail, written "c.dd".</summary>
public readonly record struct CoapCode(byte Value)
{
    public CoapCode(int @class, int detail) : this((byte)((@class << 5) | detail))
    {
        if (@class is < 0 or > 7 || detail is < 0 or > 31) throw new ArgumentOutOfRangeException(nameof(@class));
    }

    public int Class => Value >> 5;
    public int Detail => Value & 0x1F;

    public bool IsEmpty => Value == 0;
    public bool IsRequest => Class == 0 && Value != 0;
    public bool IsResponse => Class is >= 2 and <= 5;
    public bool IsSuccess => Class == 2;

    public override string ToString() =>
        Class.ToString(CultureInfo.InvariantCulture) + "." + Detail.ToString("00", CultureInfo.InvariantCulture);

    /// <summary>Parses "c.dd" (e.g. "2.05").</summary>
    public static bool TryParse(string s, out CoapCode code)
    {
        code = default;
        var parts = s.Split('.');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int c) ||
            !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int d) || c > 7 || d > 31)
            return false;
        code = new CoapCode(c, d);
        return true;
    }

    // RFC 7252 §12.1.1 method codes, and 0.00 Empty.
    public static readonly CoapCode Empty = new(0, 0);
    public static readonly CoapCode Get = new(0, 1);
    public static readonly CoapCode Post = new(0, 2);
    public static readonly CoapCode Put = new(0, 3);
    public static readonly CoapCode Delete = new(0, 4);
    public static readonly CoapCode Fetch = new(0, 5);

    // RFC 7252 §12.1.2 response codes; 2.31 and 4.08 from RFC 7959 §2.9.
    public static readonly CoapCode Created = new(2, 1);
    public static readonly CoapCode Deleted = new(2, 2);
    public static readonly CoapCode Valid = new(2, 3);
    public static readonly CoapCode Changed = new(2, 4);
    public static readonly CoapCode Content = new(2, 5);
    public static readonly CoapCode Continue = new(2, 31);
    public static readonly CoapCode BadRequest = new(4, 0);
    public static readonly CoapCode Unauthorized = new(4, 1);
    public static readonly CoapCode BadOption = new(4, 2);
    public static readonly CoapCode Forbidden = new(4, 3);
    public static readonly CoapCode NotFound = new(4, 4);
    public static readonly CoapCode MethodNotAllowed = new(4, 5);
    public static readonly CoapCode NotAcceptable = new(4, 6);
    public static readonly CoapCode RequestEntityIncomplete = new(4, 8);
    public static readonly CoapCode PreconditionFailed = new(4, 12);
    public static readonly CoapCode RequestEntityTooLarge = new(4, 13);
    public static readonly CoapCode UnsupportedContentFormat = new(4, 15);
    public static readonly CoapCode InternalServerError = new(5, 0);
    public static readonly CoapCode NotImplemented = new(5, 1);
    public static readonly CoapCode ServiceUnavailable = new(5, 3);
    public static readonly CoapCode GatewayTimeout = new(5, 4);
}
