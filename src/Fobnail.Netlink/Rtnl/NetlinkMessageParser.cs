using System.Buffers.Binary;
using static Fobnail.Netlink.Rtnl.NetlinkConstants;

namespace Fobnail.Netlink.Rtnl;

/// <summary>
/// Splits a netlink datagram into messages (NLMSG_OK / NLMSG_NEXT semantics, but strict: any nlmsg_len
/// below the header size or past the end of the datagram rejects the datagram). Netlink is host byte
/// order; fobnail-init runs on little-endian machines only.
/// </summary>
public static class NetlinkMessageParser
{
    /// <summary>A 64 KiB datagram holds at most 4096 header-only messages.</summary>
    public const int MaxMessagesPerDatagram = 4096;

    public static NetlinkHeader ReadHeader(ReadOnlySpan<byte> b)
    {
        if (b.Length < NLMSG_HDRLEN) throw new NetlinkParseException($"netlink header needs {NLMSG_HDRLEN} bytes, have {b.Length}");
        return new NetlinkHeader(
            BinaryPrimitives.ReadUInt32LittleEndian(b),
            BinaryPrimitives.ReadUInt16LittleEndian(b[4..]),
            BinaryPrimitives.ReadUInt16LittleEndian(b[6..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[12..]));
    }

    public static List<NetlinkMessage> Split(ReadOnlyMemory<byte> datagram)
    {
        var messages = new List<NetlinkMessage>();
        int offset = 0;
        while (offset < datagram.Length)
        {
            var rest = datagram.Span[offset..];
            if (rest.Length < NLMSG_HDRLEN)
                throw new NetlinkParseException($"{rest.Length} trailing bytes at offset {offset} are too short for a netlink header");
            var h = ReadHeader(rest);
            if (h.nlmsg_len < NLMSG_HDRLEN)
                throw new NetlinkParseException($"nlmsg_len {h.nlmsg_len} at offset {offset} is below the header size");
            if (h.nlmsg_len > (uint)rest.Length)
                throw new NetlinkParseException($"nlmsg_len {h.nlmsg_len} at offset {offset} runs past the datagram end ({rest.Length} bytes left)");
            if (messages.Count == MaxMessagesPerDatagram)
                throw new NetlinkParseException($"more than {MaxMessagesPerDatagram} messages in one datagram");
            int len = (int)h.nlmsg_len;
            messages.Add(new NetlinkMessage(h, datagram.Slice(offset + NLMSG_HDRLEN, len - NLMSG_HDRLEN)));
            // The last message may omit its alignment padding.
            offset += Math.Min(NLMSG_ALIGN(len), rest.Length);
        }
        return messages;
    }
}
