using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Fobnail.Netlink;

/// <summary>An IPv4 interface address with prefix length, e.g. 169.254.0.8/16.</summary>
public readonly record struct Ipv4Prefix(IPAddress Address, byte PrefixLength)
{
    /// <summary>The attester's address on the token link (the token itself is 169.254.0.1).</summary>
    public static Ipv4Prefix Default { get; } = new(IPAddress.Parse("169.254.0.8"), 16);

    public static Ipv4Prefix Parse(string text) =>
        TryParse(text, out var p) ? p : throw new FormatException($"'{text}' is not an IPv4 address/prefix such as 169.254.0.8/16");

    public static bool TryParse(string? text, out Ipv4Prefix prefix)
    {
        prefix = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var parts = text.Trim().Split('/');
        if (parts.Length != 2) return false;
        if (!IPAddress.TryParse(parts[0], out var ip) || ip.AddressFamily != AddressFamily.InterNetwork) return false;
        // IPAddress.TryParse accepts "1" or "1.2" shorthand; require the dotted quad.
        if (parts[0].Count(c => c == '.') != 3) return false;
        if (!byte.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var len) || len > 32) return false;
        prefix = new Ipv4Prefix(ip, len);
        return true;
    }

    public override string ToString() => $"{Address}/{PrefixLength}";
}
