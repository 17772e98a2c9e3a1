using System.Buffers.Binary;
using System.Text;

namespace Fobnail.Token.Usb.UsbRedir;

/// <summary>Builds the packets the usb-host side sends, sized by the agreed <see cref="UsbRedirSettings"/>.</summary>
public static class UsbRedirWriter
{
    public const string Version = "fobnail-token-usb 0.1";

    public static byte[] Packet(UsbRedirSettings s, UsbRedirType type, ulong id, ReadOnlySpan<byte> typeHeader, ReadOnlySpan<byte> data = default)
    {
        int h = s.HeaderLength;
        var packet = new byte[h + typeHeader.Length + data.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(packet, (uint)type);
        BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(4), (uint)(typeHeader.Length + data.Length));
        if (h == 16) BinaryPrimitives.WriteUInt64LittleEndian(packet.AsSpan(8), id);
        else BinaryPrimitives.WriteUInt32LittleEndian(packet.AsSpan(8), (uint)id);
        typeHeader.CopyTo(packet.AsSpan(h));
        data.CopyTo(packet.AsSpan(h + typeHeader.Length));
        return packet;
    }

    public static byte[] Hello(UsbRedirSettings s, string version = Version)
    {
        var th = new byte[64];
        Encoding.ASCII.GetBytes(version.AsSpan(0, Math.Min(version.Length, 63)), th);
        Span<byte> caps = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(caps, s.OurCaps);
        return Packet(s, UsbRedirType.Hello, 0, th, caps);
    }

    public static byte[] DeviceConnect(UsbRedirSettings s, UsbRedirSpeed speed, byte deviceClass, byte subClass,
        byte protocol, ushort vendorId, ushort productId, ushort deviceVersionBcd)
    {
        var th = new byte[UsbRedirParser.TypeHeaderLength(UsbRedirType.DeviceConnect, s)];
        th[0] = (byte)speed;
        th[1] = deviceClass;
        th[2] = subClass;
        th[3] = protocol;
        BinaryPrimitives.WriteUInt16LittleEndian(th.AsSpan(4), vendorId);
        BinaryPrimitives.WriteUInt16LittleEndian(th.AsSpan(6), productId);
        if (th.Length == 10) BinaryPrimitives.WriteUInt16LittleEndian(th.AsSpan(8), deviceVersionBcd);
        return Packet(s, UsbRedirType.DeviceConnect, 0, th);
    }

    /// <summary>interface_info: number, class, subclass and protocol of each interface (at most 32).</summary>
    public static byte[] InterfaceInfo(UsbRedirSettings s, IReadOnlyList<(byte Number, byte Class, byte SubClass, byte Protocol)> interfaces)
    {
        var th = new byte[4 + 4 * 32];
        BinaryPrimitives.WriteUInt32LittleEndian(th, (uint)interfaces.Count);
        for (int i = 0; i < interfaces.Count; i++)
        {
            th[4 + i] = interfaces[i].Number;
            th[4 + 32 + i] = interfaces[i].Class;
            th[4 + 64 + i] = interfaces[i].SubClass;
            th[4 + 96 + i] = interfaces[i].Protocol;
        }
        return Packet(s, UsbRedirType.InterfaceInfo, 0, th);
    }

    /// <summary>ep_info: for each of the 32 endpoint slots (OUT 0-15, IN 16-31) its type, interval, interface and max packet size.</summary>
    public static byte[] EpInfo(UsbRedirSettings s, IReadOnlyList<(byte Address, byte Type, byte Interface, ushort MaxPacketSize)> endpoints)
    {
        var th = new byte[UsbRedirParser.TypeHeaderLength(UsbRedirType.EpInfo, s)];
        th.AsSpan(0, 32).Fill(0xff); // usb_redir_type_invalid
        foreach (var ep in endpoints)
        {
            int i = ((ep.Address & 0x80) >> 3) | (ep.Address & 0x0f);
            th[i] = ep.Type;
            th[64 + i] = ep.Interface;
            if (th.Length >= 160) BinaryPrimitives.WriteUInt16LittleEndian(th.AsSpan(96 + 2 * i), ep.MaxPacketSize);
        }
        return Packet(s, UsbRedirType.EpInfo, 0, th);
    }

    public static byte[] ConfigurationStatus(UsbRedirSettings s, ulong id, UsbRedirStatus status, byte configuration) =>
        Packet(s, UsbRedirType.ConfigurationStatus, id, [(byte)status, configuration]);

    public static byte[] AltSettingStatus(UsbRedirSettings s, ulong id, UsbRedirStatus status, byte iface, byte alt) =>
        Packet(s, UsbRedirType.AltSettingStatus, id, [(byte)status, iface, alt]);

    /// <summary>The answer to a control packet: its SETUP fields back, the status, and the data of an IN request.</summary>
    public static byte[] ControlReply(UsbRedirSettings s, ControlPacket request, UsbRedirStatus status, ReadOnlySpan<byte> data)
    {
        Span<byte> th = stackalloc byte[10];
        th[0] = request.Endpoint;
        th[1] = request.Request;
        th[2] = request.RequestType;
        th[3] = (byte)status;
        BinaryPrimitives.WriteUInt16LittleEndian(th[4..], request.Value);
        BinaryPrimitives.WriteUInt16LittleEndian(th[6..], request.Index);
        // For OUT the length is what the device took; for IN what it returns (and the data follows).
        BinaryPrimitives.WriteUInt16LittleEndian(th[8..], request.IsIn ? (ushort)data.Length : status == UsbRedirStatus.Success ? request.Length : (ushort)0);
        return Packet(s, UsbRedirType.ControlPacket, request.Id, th, request.IsIn ? data : default);
    }

    /// <summary>The answer to a bulk packet: for IN the data, for OUT how much the device took.</summary>
    public static byte[] BulkReply(UsbRedirSettings s, ulong id, byte endpoint, uint streamId, UsbRedirStatus status, uint length, ReadOnlySpan<byte> data)
    {
        var th = new byte[UsbRedirParser.TypeHeaderLength(UsbRedirType.BulkPacket, s)];
        th[0] = endpoint;
        th[1] = (byte)status;
        BinaryPrimitives.WriteUInt16LittleEndian(th.AsSpan(2), (ushort)length);
        BinaryPrimitives.WriteUInt32LittleEndian(th.AsSpan(4), streamId);
        if (th.Length == 10) BinaryPrimitives.WriteUInt16LittleEndian(th.AsSpan(8), (ushort)(length >> 16));
        return Packet(s, UsbRedirType.BulkPacket, id, th, data);
    }

    /// <summary>A status packet for a stream the token does not have (iso, interrupt, bulk streams, bulk receiving).</summary>
    public static byte[] Status(UsbRedirSettings s, UsbRedirType type, ulong id, ReadOnlySpan<byte> typeHeader) =>
        Packet(s, type, id, typeHeader);
}
