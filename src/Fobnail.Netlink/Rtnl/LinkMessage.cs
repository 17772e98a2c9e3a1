using System.Buffers.Binary;
using static Fobnail.Netlink.Rtnl.RtnetlinkConstants;

namespace Fobnail.Netlink.Rtnl;

/// <summary>RTM_NEWLINK / RTM_DELLINK: struct ifinfomsg plus the IFLA_* attributes we use.</summary>
public sealed record LinkMessage(
    ushort MessageType,
    ushort ifi_type,
    int ifi_index,
    uint ifi_flags,
    uint ifi_change,
    string? IfName,
    OperState? OperState,
    bool? Carrier,
    uint? Mtu,
    byte[]? HardwareAddress)
{
    /// <summary>IFNAMSIZ from linux/if.h, including the NUL.</summary>
    public const int IFNAMSIZ = 16;
    /// <summary>MAX_ADDR_LEN from linux/netdevice.h.</summary>
    public const int MAX_ADDR_LEN = 32;

    public bool IsDelete => MessageType == RTM_DELLINK;
    public bool IsUp => (ifi_flags & IFF_UP) != 0;
    /// <summary>IFF_LOWER_UP: the driver reports carrier.</summary>
    public bool IsLowerUp => (ifi_flags & IFF_LOWER_UP) != 0;

    public static LinkMessage Parse(NetlinkMessage m)
    {
        if (m.Type != RTM_NEWLINK && m.Type != RTM_DELLINK)
            throw new NetlinkParseException($"{MessageTypeName(m.Type)} is not a link message");
        var p = m.Payload.Span;
        if (p.Length < IFINFOMSG_LEN)
            throw new NetlinkParseException($"{MessageTypeName(m.Type)} payload of {p.Length} bytes is shorter than struct ifinfomsg");
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(p[2..]);
        int index = BinaryPrimitives.ReadInt32LittleEndian(p[4..]);
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(p[8..]);
        uint change = BinaryPrimitives.ReadUInt32LittleEndian(p[12..]);
        if (index <= 0) throw new NetlinkParseException($"{MessageTypeName(m.Type)} has ifi_index {index}");

        string? name = null;
        OperState? oper = null;
        bool? carrier = null;
        uint? mtu = null;
        byte[]? hw = null;
        foreach (var a in RtAttributeParser.Parse(m.Payload[IFINFOMSG_LEN..]))
        {
            switch (a.Type)
            {
                case IFLA_IFNAME:
                    name = RtAttributeParser.ReadString(a, "IFLA_IFNAME", IFNAMSIZ);
                    if (name.Length == 0 || name.Contains('/')) throw new NetlinkParseException("IFLA_IFNAME is not a valid interface name");
                    break;
                case IFLA_OPERSTATE: oper = (OperState)RtAttributeParser.ReadU8(a, "IFLA_OPERSTATE"); break;
                case IFLA_CARRIER: carrier = RtAttributeParser.ReadU8(a, "IFLA_CARRIER") != 0; break;
                case IFLA_MTU: mtu = RtAttributeParser.ReadU32(a, "IFLA_MTU"); break;
                case IFLA_ADDRESS:
                    if (a.Value.Length > MAX_ADDR_LEN) throw new NetlinkParseException($"IFLA_ADDRESS of {a.Value.Length} bytes exceeds {MAX_ADDR_LEN}");
                    hw = a.Value.ToArray();
                    break;
            }
        }
        return new LinkMessage(m.Type, type, index, flags, change, name, oper, carrier, mtu, hw);
    }

    public override string ToString() =>
        $"{MessageTypeName(MessageType)} ifindex={ifi_index} name={IfName ?? "?"} flags=0x{ifi_flags:x}" +
        $"{(IsUp ? " UP" : "")}{(IsLowerUp ? " LOWER_UP" : "")} operstate={OperState?.ToString() ?? "?"} carrier={Carrier?.ToString() ?? "?"}";
}
