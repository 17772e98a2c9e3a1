using System.Runtime.InteropServices;

namespace Fobnail.Linux;

/// <summary>struct sockaddr_nl from linux/netlink.h.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct sockaddr_nl
{
    public ushort nl_family;
    public ushort nl_pad;
    /// <summary>Port ID; 0 is the kernel.</summary>
    public uint nl_pid;
    /// <summary>Multicast groups mask.</summary>
    public uint nl_groups;
}

// <linux/netlink.h>
public static partial class Sys
{
    public const int NETLINK_ROUTE = 0;
    public const int NETLINK_KOBJECT_UEVENT = 15;

    /// <summary>SOL_NETLINK socket options.</summary>
    public const int NETLINK_EXT_ACK = 11;
    public const int NETLINK_GET_STRICT_CHK = 12;
}
