namespace Fobnail.Netlink.Rtnl;

/// <summary>Constants from linux/rtnetlink.h, linux/if_link.h, linux/if_addr.h and linux/if.h.</summary>
public static class RtnetlinkConstants
{
    // Message types (rtnetlink.h).
    public const ushort RTM_NEWLINK = 16;
    public const ushort RTM_DELLINK = 17;
    public const ushort RTM_GETLINK = 18;
    public const ushort RTM_SETLINK = 19;
    public const ushort RTM_NEWADDR = 20;
    public const ushort RTM_DELADDR = 21;
    public const ushort RTM_GETADDR = 22;

    // Legacy multicast group bits for sockaddr_nl.nl_groups (rtnetlink.h).
    public const uint RTMGRP_LINK = 0x1;
    public const uint RTMGRP_IPV4_IFADDR = 0x10;

    public const byte AF_UNSPEC = 0;
    public const byte AF_INET = 2;

    // struct ifinfomsg ifi_flags (if.h, net_device_flags).
    public const uint IFF_UP = 0x1;
    public const uint IFF_BROADCAST = 0x2;
    public const uint IFF_LOOPBACK = 0x8;
    public const uint IFF_RUNNING = 0x40;
    public const uint IFF_MULTICAST = 0x1000;
    public const uint IFF_LOWER_UP = 0x10000;
    public const uint IFF_DORMANT = 0x20000;

    // IFLA_* attributes (if_link.h).
    public const ushort IFLA_ADDRESS = 1;
    public const ushort IFLA_BROADCAST = 2;
    public const ushort IFLA_IFNAME = 3;
    public const ushort IFLA_MTU = 4;
    public const ushort IFLA_LINK = 5;
    public const ushort IFLA_OPERSTATE = 16;
    public const ushort IFLA_LINKMODE = 17;
    public const ushort IFLA_LINKINFO = 18;
    public const ushort IFLA_CARRIER = 33;

    // IFA_* attributes (if_addr.h).
    public const ushort IFA_ADDRESS = 1;
    public const ushort IFA_LOCAL = 2;
    public const ushort IFA_LABEL = 3;

    // ifa_scope (rtnetlink.h enum rt_scope_t).
    public const byte RT_SCOPE_UNIVERSE = 0;
    public const byte RT_SCOPE_LINK = 253;

    // ARPHRD_* (if_arp.h).
    public const ushort ARPHRD_ETHER = 1;
    public const ushort ARPHRD_LOOPBACK = 772;

    public const int IFINFOMSG_LEN = 16;
    public const int IFADDRMSG_LEN = 8;

    public static string MessageTypeName(ushort type) => type switch
    {
        NetlinkConstants.NLMSG_NOOP => "NLMSG_NOOP",
        NetlinkConstants.NLMSG_ERROR => "NLMSG_ERROR",
        NetlinkConstants.NLMSG_DONE => "NLMSG_DONE",
        NetlinkConstants.NLMSG_OVERRUN => "NLMSG_OVERRUN",
        RTM_NEWLINK => "RTM_NEWLINK",
        RTM_DELLINK => "RTM_DELLINK",
        RTM_GETLINK => "RTM_GETLINK",
        RTM_SETLINK => "RTM_SETLINK",
        RTM_NEWADDR => "RTM_NEWADDR",
        RTM_DELADDR => "RTM_DELADDR",
        RTM_GETADDR => "RTM_GETADDR",
        _ => $"type {type}",
    };
}
