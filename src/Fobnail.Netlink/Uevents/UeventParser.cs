using System.Text;

namespace Fobnail.Netlink.Uevents;

/// <summary>
/// Parser for kernel uevent datagrams. Input is untrusted (anything that can write to the multicast group):
/// every size is bounded, and the only exception thrown is <see cref="UeventParseException"/>.
/// </summary>
public static class UeventParser
{
    /// <summary>Largest datagram accepted. The kernel's env buffer is UEVENT_BUFFER_SIZE (2048) plus the header.</summary>
    public const int MaxDatagramBytes = 8192;
    /// <summary>The kernel's UEVENT_NUM_ENVP is 64; a few more is tolerated.</summary>
    public const int MaxProperties = 96;

    private static readonly byte[] LibudevMagic = "libudev\0"u8.ToArray();

    /// <summary>True for libudev's re-broadcasts ("libudev\0" + binary header); we only trust kernel events.</summary>
    public static bool IsLibudevMessage(ReadOnlySpan<byte> datagram) => datagram.StartsWith(LibudevMagic);

    public static Uevent Parse(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length == 0) throw new UeventParseException("empty uevent datagram");
        if (datagram.Length > MaxDatagramBytes)
            throw new UeventParseException($"uevent datagram of {datagram.Length} bytes exceeds {MaxDatagramBytes}");
        if (IsLibudevMessage(datagram)) throw new UeventParseException("libudev-format message, not a kernel uevent");

        int headerEnd = datagram.IndexOf((byte)0);
        if (headerEnd < 0) throw new UeventParseException("uevent header is not NUL-terminated");
        var header = Decode(datagram[..headerEnd], "header");
        int at = header.IndexOf('@');
        if (at <= 0 || at == header.Length - 1)
            throw new UeventParseException($"uevent header '{Printable(header)}' is not ACTION@DEVPATH");
        string headerAction = header[..at];
        string headerDevPath = header[(at + 1)..];

        var props = new List<KeyValuePair<string, string>>();
        var rest = datagram[(headerEnd + 1)..];
        while (!rest.IsEmpty)
        {
            int end = rest.IndexOf((byte)0);
            // The kernel terminates every KEY=VALUE with NUL; a missing final NUL means a truncated message.
            if (end < 0) throw new UeventParseException("uevent property is not NUL-terminated (truncated?)");
            var field = rest[..end];
            rest = rest[(end + 1)..];
            if (field.IsEmpty) continue;
            int eq = field.IndexOf((byte)'=');
            if (eq <= 0) throw new UeventParseException($"uevent property '{Printable(Decode(field, "property"))}' is not KEY=VALUE");
            if (props.Count == MaxProperties) throw new UeventParseException($"uevent has more than {MaxProperties} properties");
            props.Add(new(Decode(field[..eq], "key"), Decode(field[(eq + 1)..], "value")));
        }

        string? Get(string key)
        {
            foreach (var kv in props) if (kv.Key == key) return kv.Value;
            return null;
        }

        string action = Get("ACTION") ?? throw new UeventParseException("uevent has no ACTION");
        string devPath = Get("DEVPATH") ?? throw new UeventParseException("uevent has no DEVPATH");
        if (action != headerAction || devPath != headerDevPath)
            throw new UeventParseException($"uevent header '{Printable(header)}' disagrees with ACTION/DEVPATH");

        int? ifIndex = null;
        if (Get("IFINDEX") is { } ifi)
            ifIndex = int.TryParse(ifi, System.Globalization.NumberStyles.None, null, out var v) && v > 0
                ? v : throw new UeventParseException($"uevent IFINDEX '{Printable(ifi)}' is not a positive integer");
        ulong? seq = null;
        if (Get("SEQNUM") is { } s)
            seq = ulong.TryParse(s, System.Globalization.NumberStyles.None, null, out var v) ? v
                : throw new UeventParseException($"uevent SEQNUM '{Printable(s)}' is not an integer");

        return new Uevent(action, devPath, Get("SUBSYSTEM"), Get("DEVTYPE"), Get("MODALIAS"), Get("INTERFACE"),
            ifIndex, Get("PRODUCT"), Get("DRIVER"), seq, props);
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string Decode(ReadOnlySpan<byte> bytes, string what)
    {
        try { return StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException) { throw new UeventParseException($"uevent {what} is not valid UTF-8"); }
    }

    /// <summary>Log-safe rendering of untrusted text: control characters escaped, length capped.</summary>
    internal static string Printable(string s)
    {
        var sb = new StringBuilder(Math.Min(s.Length, 80));
        foreach (char c in s)
        {
            if (sb.Length >= 80) { sb.Append("..."); break; }
            sb.Append(char.IsControl(c) ? '?' : c);
        }
        return sb.ToString();
    }
}
