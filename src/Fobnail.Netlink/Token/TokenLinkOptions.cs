using Fobnail.Netlink.Matching;

namespace Fobnail.Netlink.Token;

/// <summary>Configuration of <see cref="TokenLinkManager"/> (kernel command line fobnail.match= / fobnail.addr=, or CLI).</summary>
public sealed record TokenLinkOptions
{
    public TokenMatcher Matcher { get; init; } = TokenMatcher.Default;
    public Ipv4Prefix Address { get; init; } = Ipv4Prefix.Default;
    /// <summary>Root of sysfs; tests point this at a fake tree.</summary>
    public string SysfsRoot { get; init; } = "/sys";
}
