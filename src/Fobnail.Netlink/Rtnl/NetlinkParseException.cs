namespace Fobnail.Netlink.Rtnl;

/// <summary>A netlink message (header, fixed part or attributes) that is truncated or inconsistent.</summary>
public sealed class NetlinkParseException(string message) : Exception(message);
