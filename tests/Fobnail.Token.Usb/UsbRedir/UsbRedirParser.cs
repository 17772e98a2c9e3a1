using System.Buffers.Binary;
using System.Text;

namespace Fobnail.Token.Usb.UsbRedir;

/// <summary>
/// Reads usbredir packets from what QEMU sent. QEMU is untrusted input here: every length is checked against the
/// packet's own header and against hard limits before anything is buffered or copied, and a broken packet throws
/// <see cref="UsbRedirProtocolException"/> with what was wrong.
/// </summary>
public static class UsbRedirParser
{
    /// <summary>Largest data part accepted (a bulk or control transfer); the 16-bit bulk length of usbredir without the 32-bit extension.</summary>
    public const int MaxDataLength = 65536;

    /// <summary>Largest type header (ep_info with max_packet_size and max_streams).</summary>
    public const int MaxTypeHeaderLength = 288;

    /// <summary>Largest whole packet: header, type header and data.</summary>
    public const int MaxPacketLength = 16 + MaxTypeHeaderLength + MaxDataLength;

    /// <summary>A control transfer's data stage: QEMU's own control buffer is 4 KiB.</summary>
    public const int MaxControlLength = 4096;

    /// <summary>Capability words in hello beyond the first are allowed (a newer peer) but bounded.</summary>
    public const int MaxHelloCapsLength = 256;

    /// <summary>
    /// The size of a type's fixed header as both ends compute it from the agreed capabilities (usbredirparser's
    /// usbredirparser_get_type_header_len), or -1 for a type this protocol version does not know.
    /// </summary>
    public static int TypeHeaderLength(UsbRedirType type, UsbRedirSettings s) => type switch
    {
        UsbRedirType.Hello => 64,
        UsbRedirType.DeviceConnect => s.Both(UsbRedirCap.ConnectDeviceVersion) ? 10 : 8,
        UsbRedirType.DeviceDisconnect or UsbRedirType.Reset or UsbRedirType.GetConfiguration
            or UsbRedirType.CancelDataPacket or UsbRedirType.FilterReject or UsbRedirType.FilterFilter
            or UsbRedirType.DeviceDisconnectAck => 0,
        UsbRedirType.InterfaceInfo => 4 + 4 * 32,
        UsbRedirType.EpInfo => 3 * 32 + (s.Both(UsbRedirCap.EpInfoMaxPacketSize) ? 2 * 32 : 0)
                               + (s.Both(UsbRedirCap.BulkStreams) ? 4 * 32 : 0),
        UsbRedirType.SetConfiguration => 1,
        UsbRedirType.ConfigurationStatus => 2,
        UsbRedirType.SetAltSetting => 2,
        UsbRedirType.GetAltSetting => 1,
        UsbRedirType.AltSettingStatus => 3,
        UsbRedirType.StartIsoStream => 3,
        UsbRedirType.StopIsoStream => 1,
        UsbRedirType.IsoStreamStatus => 2,
        UsbRedirType.StartInterruptReceiving or UsbRedirType.StopInterruptReceiving => 1,
        UsbRedirType.InterruptReceivingStatus => 2,
        UsbRedirType.AllocBulkStreams => 8,
        UsbRedirType.FreeBulkStreams => 4,
        UsbRedirType.BulkStreamsStatus => 9,
        UsbRedirType.StartBulkReceiving => 10,
        UsbRedirType.StopBulkReceiving => 5,
        UsbRedirType.BulkReceivingStatus => 6,
        UsbRedirType.ControlPacket => 10,
        UsbRedirType.BulkPacket => s.Both(UsbRedirCap.BulkLength32Bits) ? 10 : 8,
        UsbRedirType.IsoPacket or UsbRedirType.InterruptPacket => 4,
        UsbRedirType.BufferedBulkPacket => 10,
        _ => -1,
    };

    /// <summary>Whether a type may carry data after its type header.</summary>
    private static bool CarriesData(UsbRedirType type) => type is UsbRedirType.Hello or UsbRedirType.FilterFilter
        or UsbRedirType.ControlPacket or UsbRedirType.BulkPacket or UsbRedirType.IsoPacket
        or UsbRedirType.InterruptPacket or UsbRedirType.BufferedBulkPacket;

    /// <summary>
    /// Reads one packet from the start of <paramref name="input"/>. Returns false when more bytes are needed
    /// (<paramref name="needed"/> says how many in total, never more than <see cref="MaxPacketLength"/>); throws as
    /// soon as the header shows the packet is bad, without waiting for its body.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> input, UsbRedirSettings settings, out UsbRedirPacket? packet,
        out int consumed, out int needed)
    {
        packet = null;
        consumed = 0;
        int headerLength = settings.HeaderLength;
        needed = headerLength;
        if (input.Length < headerLength) return false;

        uint rawType = BinaryPrimitives.ReadUInt32LittleEndian(input);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(input[4..]);
        ulong id = headerLength == 16 ? BinaryPrimitives.ReadUInt64LittleEndian(input[8..])
            : BinaryPrimitives.ReadUInt32LittleEndian(input[8..]);
        var type = (UsbRedirType)rawType;

        if (!settings.HavePeerHello && type != UsbRedirType.Hello)
            throw new UsbRedirProtocolException($"packet type {rawType} before hello (hello must come first)");
        if (length > MaxTypeHeaderLength + MaxDataLength)
            throw new UsbRedirProtocolException($"packet type {rawType}: length {length} exceeds the limit of {MaxTypeHeaderLength + MaxDataLength}");
        int typeHeaderLength = TypeHeaderLength(type, settings);
        if (typeHeaderLength >= 0 && length < typeHeaderLength)
            throw new UsbRedirProtocolException($"{type}: length {length} is shorter than its {typeHeaderLength}-byte header");
        if (typeHeaderLength >= 0 && !CarriesData(type) && length != typeHeaderLength)
            throw new UsbRedirProtocolException($"{type}: {length - typeHeaderLength} bytes of data where none belong");

        needed = headerLength + (int)length;
        if (input.Length < needed) return false;
        consumed = needed;

        var body = input.Slice(headerLength, (int)length);
        if (typeHeaderLength < 0)
        {
            // A packet type from a newer protocol: skip it whole, the caller logs it.
            packet = new OtherPacket(type, id, [], body.ToArray());
            return true;
        }
        var th = body[..typeHeaderLength];
        var data = body[typeHeaderLength..];
        packet = type switch
        {
            UsbRedirType.Hello => ParseHello(id, th, data),
            UsbRedirType.SetConfiguration => new SetConfigurationPacket(id, th[0]),
            UsbRedirType.SetAltSetting => new SetAltSettingPacket(id, th[0], th[1]),
            UsbRedirType.GetAltSetting => new GetAltSettingPacket(id, th[0]),
            UsbRedirType.ControlPacket => ParseControl(id, th, data),
            UsbRedirType.BulkPacket => ParseBulk(id, th, data, settings),
            UsbRedirType.IsoPacket or UsbRedirType.InterruptPacket => ParseShortData(type, id, th, data),
            _ => new OtherPacket(type, id, th.ToArray(), data.ToArray()),
        };
        return true;
    }

    private static HelloPacket ParseHello(ulong id, ReadOnlySpan<byte> th, ReadOnlySpan<byte> caps)
    {
        if (caps.Length > MaxHelloCapsLength || caps.Length % 4 != 0)
            throw new UsbRedirProtocolException($"Hello: {caps.Length} bytes of capabilities (want a multiple of 4, at most {MaxHelloCapsLength})");
        int end = th.IndexOf((byte)0);
        var version = new StringBuilder();
        foreach (byte b in end < 0 ? th : th[..end]) version.Append(b is >= 0x20 and < 0x7f ? (char)b : '?');
        return new HelloPacket(id, version.ToString(), caps.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(caps) : 0);
    }

    private static ControlPacket ParseControl(ulong id, ReadOnlySpan<byte> th, ReadOnlySpan<byte> data)
    {
        var p = new ControlPacket(id, th[0], th[1], th[2], (UsbRedirStatus)th[3],
            BinaryPrimitives.ReadUInt16LittleEndian(th[4..]), BinaryPrimitives.ReadUInt16LittleEndian(th[6..]),
            BinaryPrimitives.ReadUInt16LittleEndian(th[8..]), data.ToArray());
        if (p.Length > MaxControlLength)
            throw new UsbRedirProtocolException($"ControlPacket: wLength {p.Length} exceeds the limit of {MaxControlLength}");
        if (p.IsIn && data.Length != 0)
            throw new UsbRedirProtocolException($"ControlPacket: an IN request carries {data.Length} bytes of data");
        if (!p.IsIn && data.Length != p.Length)
            throw new UsbRedirProtocolException($"ControlPacket: an OUT request says wLength {p.Length} but carries {data.Length} bytes");
        return p;
    }

    private static BulkPacket ParseBulk(ulong id, ReadOnlySpan<byte> th, ReadOnlySpan<byte> data, UsbRedirSettings s)
    {
        uint length = BinaryPrimitives.ReadUInt16LittleEndian(th[2..]);
        if (s.Both(UsbRedirCap.BulkLength32Bits)) length |= (uint)BinaryPrimitives.ReadUInt16LittleEndian(th[8..]) << 16;
        var p = new BulkPacket(id, th[0], (UsbRedirStatus)th[1], length, BinaryPrimitives.ReadUInt32LittleEndian(th[4..]), data.ToArray());
        if (length > MaxDataLength)
            throw new UsbRedirProtocolException($"BulkPacket: length {length} exceeds the limit of {MaxDataLength}");
        if (p.IsIn && data.Length != 0)
            throw new UsbRedirProtocolException($"BulkPacket: an IN request carries {data.Length} bytes of data");
        if (!p.IsIn && data.Length != length)
            throw new UsbRedirProtocolException($"BulkPacket: an OUT transfer says length {length} but carries {data.Length} bytes");
        return p;
    }

    private static OtherPacket ParseShortData(UsbRedirType type, ulong id, ReadOnlySpan<byte> th, ReadOnlySpan<byte> data)
    {
        int length = BinaryPrimitives.ReadUInt16LittleEndian(th[2..]);
        bool isIn = (th[0] & 0x80) != 0;
        if (isIn ? data.Length != 0 : data.Length != length)
            throw new UsbRedirProtocolException($"{type}: length {length} does not match its {data.Length} bytes of data");
        return new OtherPacket(type, id, th.ToArray(), data.ToArray());
    }
}
