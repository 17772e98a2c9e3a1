using System.Buffers.Binary;
using Fobnail.Token.Usb.Device;
using Fobnail.Token.Usb.UsbRedir;

namespace Fobnail.Token.Usb.Tests;

/// <summary>
/// Plays QEMU's usb-redir (the usb-guest) against a <see cref="TokenDevice"/>: builds the packets QEMU sends, with
/// QEMU 7.2's capabilities, and takes the device's answers apart.
/// </summary>
internal sealed class QemuSide
{
    /// <summary>QEMU 7.2 announces bulk streams, connect version, filter, disconnect ack, ep_info max packet size, 64-bit ids, 32-bit bulk length, bulk receiving.</summary>
    public const uint QemuCaps = 0xff;

    public List<byte[]> ToQemu { get; } = [];
    public List<byte[]> ToNetwork { get; } = [];
    public List<string> Trace { get; } = [];
    public TokenDevice Device { get; }
    /// <summary>QEMU's view once hellos crossed: its caps ours, the device's the peer's.</summary>
    public UsbRedirSettings Settings { get; } = new(QemuCaps, UsbRedirSettings.DefaultCaps, true);

    public QemuSide(TokenIdentity? identity = null) =>
        Device = new TokenDevice(identity ?? new TokenIdentity(), ToQemu.Add, ToNetwork.Add, Trace.Add, Trace.Add);

    public static byte[] Hello() => UsbRedirWriter.Packet(new UsbRedirSettings(QemuCaps, 0, false), UsbRedirType.Hello, 0,
        "qemu usb-redir guest 7.2.22"u8.ToArray().Concat(new byte[64]).Take(64).ToArray(), [0xff, 0, 0, 0]);

    /// <summary>Connects, exchanges hellos, and sets configuration 1 as the guest's enumeration would.</summary>
    public QemuSide Connect(bool configure = true)
    {
        Device.Start();
        Device.Feed(Hello());
        if (configure) Device.Feed(UsbRedirWriter.Packet(Settings, UsbRedirType.SetConfiguration, 1, [1]));
        ToQemu.Clear();
        return this;
    }

    public byte[] Control(ulong id, byte requestType, byte request, ushort value, ushort index, ushort length, byte[]? data = null)
    {
        var th = new byte[10];
        th[0] = (byte)(requestType & 0x80);
        th[1] = request;
        th[2] = requestType;
        BinaryPrimitives.WriteUInt16LittleEndian(th.AsSpan(4), value);
        BinaryPrimitives.WriteUInt16LittleEndian(th.AsSpan(6), index);
        BinaryPrimitives.WriteUInt16LittleEndian(th.AsSpan(8), length);
        return UsbRedirWriter.Packet(Settings, UsbRedirType.ControlPacket, id, th, data ?? []);
    }

    public byte[] Bulk(ulong id, byte endpoint, uint length, byte[]? data = null) =>
        UsbRedirWriter.Packet(Settings, UsbRedirType.BulkPacket, id,
            [endpoint, 0, (byte)length, (byte)(length >> 8), 0, 0, 0, 0, (byte)(length >> 16), (byte)(length >> 24)], data ?? []);

    public byte[] BulkOut(ulong id, byte[] data) => Bulk(id, TokenIdentity.BulkOut, (uint)data.Length, data);

    /// <summary>An answer from the device: type, id, type header, data (16-byte headers once hellos crossed).</summary>
    public static (UsbRedirType Type, ulong Id, byte[] Header, byte[] Data) Parse(byte[] packet, int typeHeaderLength)
    {
        var type = (UsbRedirType)BinaryPrimitives.ReadUInt32LittleEndian(packet);
        int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(packet.AsSpan(4));
        Assert.Equal(packet.Length - 16, length);
        typeHeaderLength = Math.Min(typeHeaderLength, length);
        return (type, BinaryPrimitives.ReadUInt64LittleEndian(packet.AsSpan(8)), packet[16..(16 + typeHeaderLength)], packet[(16 + typeHeaderLength)..]);
    }

    /// <summary>The control answer to request <paramref name="id"/>: its status and data.</summary>
    public (UsbRedirStatus Status, byte[] Data) ControlReply(ulong id)
    {
        var reply = ToQemu.Select(p => Parse(p, 10)).Single(p => p.Type == UsbRedirType.ControlPacket && p.Id == id);
        Assert.Equal(reply.Data.Length, BinaryPrimitives.ReadUInt16LittleEndian(reply.Header.AsSpan(8)));
        return ((UsbRedirStatus)reply.Header[3], reply.Data);
    }

    /// <summary>The bulk answers so far: id, status, data.</summary>
    public List<(ulong Id, UsbRedirStatus Status, uint Length, byte[] Data)> BulkReplies() =>
        ToQemu.Select(p => Parse(p, 10)).Where(p => p.Type == UsbRedirType.BulkPacket)
            .Select(p => (p.Id, (UsbRedirStatus)p.Header[1],
                (uint)(BinaryPrimitives.ReadUInt16LittleEndian(p.Header.AsSpan(2)) | BinaryPrimitives.ReadUInt16LittleEndian(p.Header.AsSpan(8)) << 16), p.Data))
            .ToList();
}
