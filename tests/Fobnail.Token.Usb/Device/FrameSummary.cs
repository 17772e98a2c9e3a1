using System.Buffers.Binary;
using System.Net;

namespace Fobnail.Token.Usb.Device;

/// <summary>One-line description of an Ethernet frame for the protocol trace.</summary>
public static class FrameSummary
{
    public static string Describe(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 14) return $"{frame.Length}-byte runt";
        string macs = $"{Mac(frame[6..12])} > {Mac(frame[..6])}";
        ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        var payload = frame[14..];
        return etherType switch
        {
            0x0800 when payload.Length >= 20 => $"{macs} IPv4 {new IPAddress(payload[12..16])} > {new IPAddress(payload[16..20])} {IpProtocol(payload[9])}, {frame.Length} bytes",
            0x0806 when payload.Length >= 28 => $"{macs} ARP {(BinaryPrimitives.ReadUInt16BigEndian(payload[6..]) == 1 ? "request" : "reply")} {new IPAddress(payload[14..18])} > {new IPAddress(payload[24..28])}, {frame.Length} bytes",
            0x86dd => $"{macs} IPv6, {frame.Length} bytes",
            _ => $"{macs} ethertype 0x{etherType:x4}, {frame.Length} bytes",
        };
    }

    private static string IpProtocol(byte p) => p switch { 1 => "ICMP", 6 => "TCP", 17 => "UDP", _ => $"proto {p}" };

    private static string Mac(ReadOnlySpan<byte> m) => Convert.ToHexString(m).ToLowerInvariant() is var h
        ? string.Join(':', Enumerable.Range(0, 6).Select(i => h.Substring(2 * i, 2))) : "";
}
