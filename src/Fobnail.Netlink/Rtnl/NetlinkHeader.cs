namespace Fobnail.Netlink.Rtnl;

/// <summary>struct nlmsghdr (linux/netlink.h).</summary>
public readonly record struct NetlinkHeader(uint nlmsg_len, ushort nlmsg_type, ushort nlmsg_flags, uint nlmsg_seq, uint nlmsg_pid);
