using System.Buffers.Binary;
using static Fobnail.Netlink.Rtnl.NetlinkConstants;

namespace Fobnail.Netlink.Rtnl;

/// <summary>
/// NLMSG_ERROR: struct nlmsgerr (int error; struct nlmsghdr msg) followed by the original request (unless
/// NLM_F_CAPPED) and, with NLM_F_ACK_TLVS, the extended ack attributes (NLMSGERR_ATTR_MSG, ..._OFFS).
/// error == 0 is a plain ACK.
/// </summary>
public sealed record NetlinkErrorMessage(int Error, NetlinkHeader Request, string? ExtAckMessage, uint? ExtAckOffset)
{
    /// <summary>Positive errno (0 for an ACK).</summary>
    public int Errno => -Error;
    public bool IsAck => Error == 0;

    public const int MaxExtAckMessageBytes = 1024;

    public static NetlinkErrorMessage Parse(NetlinkMessage m)
    {
        if (m.Type != NLMSG_ERROR) throw new NetlinkParseException($"{RtnetlinkConstants.MessageTypeName(m.Type)} is not NLMSG_ERROR");
        var p = m.Payload.Span;
        if (p.Length < 4 + NLMSG_HDRLEN)
            throw new NetlinkParseException($"NLMSG_ERROR payload of {p.Length} bytes is shorter than struct nlmsgerr");
        int error = BinaryPrimitives.ReadInt32LittleEndian(p);
        if (error > 0 || error < -4095) throw new NetlinkParseException($"NLMSG_ERROR error {error} is not a negative errno");
        var request = NetlinkMessageParser.ReadHeader(p[4..]);

        string? text = null;
        uint? offs = null;
        if ((m.Header.nlmsg_flags & NLM_F_ACK_TLVS) != 0)
        {
            // The echoed request is its header only when capped (and for ACKs), otherwise the whole message.
            bool capped = (m.Header.nlmsg_flags & NLM_F_CAPPED) != 0 || error == 0;
            int echoed = capped ? NLMSG_HDRLEN : NLMSG_ALIGN((int)Math.Min(request.nlmsg_len, int.MaxValue - 8));
            if (echoed < NLMSG_HDRLEN || 4 + echoed > p.Length)
                throw new NetlinkParseException($"NLMSG_ERROR echoed request of {echoed} bytes runs past the end ({p.Length - 4} bytes)");
            foreach (var a in RtAttributeParser.Parse(m.Payload[(4 + echoed)..]))
            {
                if (a.Type == NLMSGERR_ATTR_MSG) text = RtAttributeParser.ReadString(a, "NLMSGERR_ATTR_MSG", MaxExtAckMessageBytes);
                else if (a.Type == NLMSGERR_ATTR_OFFS) offs = RtAttributeParser.ReadU32(a, "NLMSGERR_ATTR_OFFS");
            }
        }
        return new NetlinkErrorMessage(error, request, text, offs);
    }
}
