using System.Buffers.Binary;
using System.Text;
using static Fobnail.Netlink.Rtnl.NetlinkConstants;

namespace Fobnail.Netlink.Rtnl;

/// <summary>
/// Parses a run of rtattrs (RTA_OK / RTA_NEXT, strict). Unknown attribute types are kept and ignored by
/// the typed decoders: kernels add attributes all the time. Bad lengths reject the whole message.
/// </summary>
public static class RtAttributeParser
{
    public const int RTA_HDRLEN = 4;
    /// <summary>A link message has ~60 attributes; anything beyond this is garbage.</summary>
    public const int MaxAttributes = 1024;

    public static List<RtAttribute> Parse(ReadOnlyMemory<byte> attrs)
    {
        var list = new List<RtAttribute>();
        int offset = 0;
        while (offset < attrs.Length)
        {
            var rest = attrs.Span[offset..];
            if (rest.Length < RTA_HDRLEN)
                throw new NetlinkParseException($"{rest.Length} trailing bytes at attribute offset {offset} are too short for an rtattr");
            ushort rtaLen = BinaryPrimitives.ReadUInt16LittleEndian(rest);
            ushort rtaType = BinaryPrimitives.ReadUInt16LittleEndian(rest[2..]);
            if (rtaLen < RTA_HDRLEN)
                throw new NetlinkParseException($"rta_len {rtaLen} of attribute type {rtaType} is below the rtattr header size");
            if (rtaLen > rest.Length)
                throw new NetlinkParseException($"rta_len {rtaLen} of attribute type {rtaType} runs past the end ({rest.Length} bytes left)");
            if (list.Count == MaxAttributes)
                throw new NetlinkParseException($"more than {MaxAttributes} attributes");
            list.Add(new RtAttribute((ushort)(rtaType & NLA_TYPE_MASK), attrs.Slice(offset + RTA_HDRLEN, rtaLen - RTA_HDRLEN)));
            offset += Math.Min(RTA_ALIGN(rtaLen), rest.Length);
        }
        return list;
    }

    public static byte ReadU8(RtAttribute a, string name) =>
        a.Value.Length >= 1 ? a.Value.Span[0] : throw new NetlinkParseException($"{name} needs 1 byte, has {a.Value.Length}");

    public static uint ReadU32(RtAttribute a, string name) =>
        a.Value.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(a.Value.Span)
            : throw new NetlinkParseException($"{name} needs 4 bytes, has {a.Value.Length}");

    /// <summary>A NUL-terminated string attribute of at most <paramref name="maxBytes"/> bytes (including the NUL).</summary>
    public static string ReadString(RtAttribute a, string name, int maxBytes)
    {
        var v = a.Value.Span;
        if (v.Length > maxBytes) throw new NetlinkParseException($"{name} of {v.Length} bytes exceeds {maxBytes}");
        int nul = v.IndexOf((byte)0);
        if (nul < 0) throw new NetlinkParseException($"{name} is not NUL-terminated");
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(v[..nul]);
        }
        catch (DecoderFallbackException)
        {
            throw new NetlinkParseException($"{name} is not valid UTF-8");
        }
    }
}
