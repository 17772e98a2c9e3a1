using System.Buffers.Binary;
using System.Net;
using static Fobnail.Netlink.Rtnl.RtnetlinkConstants;

namespace Fobnail.Netlink.Rtnl;

/// <summary>RTM_NEWADDR / RTM_DELADDR: struct ifaddrmsg plus IFA_LOCAL, IFA_ADDRESS, IFA_LABEL.</summary>
public sealed record AddressMessage(
    ushort MessageType,
    byte ifa_family,
    byte ifa_prefixlen,
    byte ifa_flags,
    byte ifa_scope,
    int ifa_index,
    IPAddress? Local,
    IPAddress? Address,
    string? Label)
{
    public static AddressMessage Parse(NetlinkMessage m)
    {
        if (m.Type != RTM_NEWADDR && m.Type != RTM_DELADDR)
            throw new NetlinkParseException($"{MessageTypeName(m.Type)} is not an address message");
        var p = m.Payload.Span;
        if (p.Length < IFADDRMSG_LEN)
            throw new NetlinkParseException($"{MessageTypeName(m.Type)} payload of {p.Length} bytes is shorter than struct ifaddrmsg");
        byte family = p[0], prefix = p[1], flags = p[2], scope = p[3];
        int index = BinaryPrimitives.ReadInt32LittleEndian(p[4..]);
        int addrLen = family switch { AF_INET => 4, 10 => 16, _ => -1 };
        if (family == AF_INET && prefix > 32 || family == 10 && prefix > 128)
            throw new NetlinkParseException($"ifa_prefixlen {prefix} is out of range for family {family}");

        IPAddress? local = null, address = null;
        string? label = null;
        foreach (var a in RtAttributeParser.Parse(m.Payload[IFADDRMSG_LEN..]))
        {
            switch (a.Type)
            {
                case IFA_LOCAL: local = ReadAddress(a, addrLen, "IFA_LOCAL"); break;
                case IFA_ADDRESS: address = ReadAddress(a, addrLen, "IFA_ADDRESS"); break;
                case IFA_LABEL: label = RtAttributeParser.ReadString(a, "IFA_LABEL", LinkMessage.IFNAMSIZ); break;
            }
        }
        return new AddressMessage(m.Type, family, prefix, flags, scope, index, local, address, label);
    }

    private static IPAddress? ReadAddress(RtAttribute a, int expected, string name)
    {
        if (expected < 0) return null; // a family we do not decode
        if (a.Value.Length != expected)
            throw new NetlinkParseException($"{name} has {a.Value.Length} bytes, expected {expected}");
        return new IPAddress(a.Value.Span);
    }

    public override string ToString() =>
        $"{MessageTypeName(MessageType)} ifindex={ifa_index} {Local ?? Address}/{ifa_prefixlen} scope={ifa_scope}";
}
