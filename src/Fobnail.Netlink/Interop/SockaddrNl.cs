using System.Runtime.InteropServices;

namespace Fobnail.Netlink.Interop;

/// <summary>struct sockaddr_nl from linux/netlink.h.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SockaddrNl
{
    public ushort nl_family;
    public ushort nl_pad;
    /// <summary>Port ID; 0 is the kernel.</summary>
    public uint nl_pid;
    /// <summary>Multicast groups mask.</summary>
    public uint nl_groups;
}
