namespace Fobnail.Netlink.Rtnl;

/// <summary>One netlink message: header plus its payload (the bytes after the header, up to nlmsg_len).</summary>
public sealed record NetlinkMessage(NetlinkHeader Header, ReadOnlyMemory<byte> Payload)
{
    public ushort Type => Header.nlmsg_type;
    public override string ToString() =>
        $"{RtnetlinkConstants.MessageTypeName(Type)} len={Header.nlmsg_len} flags=0x{Header.nlmsg_flags:x} seq={Header.nlmsg_seq}";
}
