namespace Fobnail.Coap;

/// <summary>Option numbers (RFC 7252 §5.10 / §12.2; Block1/Block2/Size2 from RFC 7959 §2.1, §4).</summary>
public static class CoapOptionNumber
{
    public const ushort IfMatch = 1;
    public const ushort UriHost = 3;
    public const ushort ETag = 4;
    public const ushort IfNoneMatch = 5;
    public const ushort Observe = 6;
    public const ushort UriPort = 7;
    public const ushort LocationPath = 8;
    public const ushort UriPath = 11;
    public const ushort ContentFormat = 12;
    public const ushort MaxAge = 14;
    public const ushort UriQuery = 15;
    public const ushort Accept = 17;
    public const ushort LocationQuery = 20;
    public const ushort Block2 = 23;
    public const ushort Block1 = 27;
    public const ushort Size2 = 28;
    public const ushort ProxyUri = 35;
    public const ushort ProxyScheme = 39;
    public const ushort Size1 = 60;

    /// <summary>Name for printing (CLI, logs).</summary>
    public static string NameOf(ushort number) => number switch
    {
        IfMatch => "If-Match",
        UriHost => "Uri-Host",
        ETag => "ETag",
        IfNoneMatch => "If-None-Match",
        Observe => "Observe",
        UriPort => "Uri-Port",
        LocationPath => "Location-Path",
        UriPath => "Uri-Path",
        ContentFormat => "Content-Format",
        MaxAge => "Max-Age",
        UriQuery => "Uri-Query",
        Accept => "Accept",
        LocationQuery => "Location-Query",
        Block2 => "Block2",
        Block1 => "Block1",
        Size2 => "Size2",
        ProxyUri => "Proxy-Uri",
        ProxyScheme => "Proxy-Scheme",
        Size1 => "Size1",
        _ => "Option" + number.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>An option's value in readable form: uint, string or Block value by the option's format (RFC 7252 §5.10).</summary>
    public static string FormatValue(CoapOption option)
    {
        try
        {
            return option.Number switch
            {
                Block1 or Block2 => CoapBlockOption.FromOption(option).ToString(),
                UriHost or LocationPath or UriPath or UriQuery or LocationQuery or ProxyUri or ProxyScheme => "\"" + option.GetString() + "\"",
                UriPort or ContentFormat or MaxAge or Accept or Size1 or Size2 or Observe =>
                    option.GetUInt().ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => "0x" + Convert.ToHexString(option.Value),
            };
        }
        catch (CoapFormatException)
        {
            return "0x" + Convert.ToHexString(option.Value) + " (invalid)";
        }
    }

    /// <summary>RFC 7252 §5.4.1: odd option numbers are critical.</summary>
    public static bool IsCritical(ushort number) => (number & 1) != 0;
}
