namespace Fobnail.Netlink.Rtnl;

/// <summary>One struct rtattr / nlattr: type (flag bits masked off) and value.</summary>
public readonly record struct RtAttribute(ushort Type, ReadOnlyMemory<byte> Value);
