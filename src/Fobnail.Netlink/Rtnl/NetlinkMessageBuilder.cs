using System.Buffers.Binary;
using System.Text;
using static Fobnail.Netlink.Rtnl.NetlinkConstants;

namespace Fobnail.Netlink.Rtnl;

/// <summary>Builds one request: nlmsghdr, fixed family header, rtattrs; nlmsg_len is filled in by <see cref="Build"/>.</summary>
public sealed class NetlinkMessageBuilder
{
    private byte[] _buf = new byte[256];
    private int _len;

    public NetlinkMessageBuilder(ushort type, ushort flags, uint seq)
    {
        var h = Reserve(NLMSG_HDRLEN);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], seq);
        // nlmsg_pid 0: the kernel fills in our port id.
    }

    /// <summary>struct ifinfomsg.</summary>
    public NetlinkMessageBuilder IfInfoMsg(byte family, int index, uint flags, uint change)
    {
        var s = Reserve(RtnetlinkConstants.IFINFOMSG_LEN);
        s[0] = family;
        BinaryPrimitives.WriteInt32LittleEndian(s[4..], index);
        BinaryPrimitives.WriteUInt32LittleEndian(s[8..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(s[12..], change);
        return this;
    }

    /// <summary>struct ifaddrmsg.</summary>
    public NetlinkMessageBuilder IfAddrMsg(byte family, byte prefixLen, byte flags, byte scope, int index)
    {
        var s = Reserve(RtnetlinkConstants.IFADDRMSG_LEN);
        s[0] = family;
        s[1] = prefixLen;
        s[2] = flags;
        s[3] = scope;
        BinaryPrimitives.WriteInt32LittleEndian(s[4..], index);
        return this;
    }

    public NetlinkMessageBuilder Attribute(ushort type, ReadOnlySpan<byte> value)
    {
        int rtaLen = RtAttributeParser.RTA_HDRLEN + value.Length;
        var s = Reserve(RTA_ALIGN(rtaLen));
        BinaryPrimitives.WriteUInt16LittleEndian(s, (ushort)rtaLen);
        BinaryPrimitives.WriteUInt16LittleEndian(s[2..], type);
        value.CopyTo(s[RtAttributeParser.RTA_HDRLEN..]);
        return this;
    }

    public NetlinkMessageBuilder StringAttribute(ushort type, string value)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        return Attribute(type, bytes);
    }

    public byte[] Build()
    {
        var result = _buf.AsSpan(0, _len).ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(result, (uint)_len);
        return result;
    }

    private Span<byte> Reserve(int n)
    {
        if (_len + n > _buf.Length) Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _len + n));
        var s = _buf.AsSpan(_len, n);
        s.Clear();
        _len += n;
        return s;
    }
}
