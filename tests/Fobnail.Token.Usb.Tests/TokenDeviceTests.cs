using System.Buffers.Binary;
using Fobnail.Token.Usb.Device;
using Fobnail.Token.Usb.Eem;
using Fobnail.Token.Usb.UsbRedir;

namespace Fobnail.Token.Usb.Tests;

/// <summary>The twin as QEMU sees it: connect handshake, the descriptors Linux reads, bulk EEM both ways.</summary>
public sealed class TokenDeviceTests
{
    private static readonly byte[] Frame = [.. Enumerable.Repeat((byte)0xff, 6), 2, 0, 0, 0, 0, 1, 0x08, 0x06, .. new byte[28]];

    [Fact]
    public void Connect_sends_hello_then_interface_and_endpoint_info_then_device_connect()
    {
        var q = new QemuSide();
        q.Device.Start();
        var hello = q.ToQemu.Single();
        Assert.Equal((uint)UsbRedirType.Hello, BinaryPrimitives.ReadUInt32LittleEndian(hello));
        Assert.Equal(12 + 64 + 4, hello.Length); // 32-bit ids until the peer's hello arrived
        Assert.Equal(UsbRedirSettings.DefaultCaps, BinaryPrimitives.ReadUInt32LittleEndian(hello.AsSpan(12 + 64)));

        q.Device.Feed(QemuSide.Hello());
        var (type1, _, iface, _) = QemuSide.Parse(q.ToQemu[1], 132);
        Assert.Equal(UsbRedirType.InterfaceInfo, type1);
        Assert.Equal([1, 0, 0, 0], iface[..4]);                         // one interface
        Assert.Equal([0, 0x02, 0x0c, 0x07], new[] { iface[4], iface[36], iface[68], iface[100] });
        var (type2, _, ep, _) = QemuSide.Parse(q.ToQemu[2], 160);
        Assert.Equal(UsbRedirType.EpInfo, type2);
        Assert.Equal(2, ep[0x01]);        // bulk OUT 0x01
        Assert.Equal(2, ep[16 + 1]);      // bulk IN 0x81
        Assert.Equal(0xff, ep[2]);        // no others
        Assert.Equal(64, BinaryPrimitives.ReadUInt16LittleEndian(ep.AsSpan(96 + 2 * 17)));
        var (type3, _, connect, _) = QemuSide.Parse(q.ToQemu[3], 10);
        Assert.Equal(UsbRedirType.DeviceConnect, type3);
        Assert.Equal([1, 0, 0, 0, 0x34, 0x12, 0x21, 0x43, 0x10, 0x00], connect); // full speed, class 0, 1234:4321, bcdDevice 0.10
    }

    [Fact]
    public void Descriptors_are_the_firmwares()
    {
        var q = new QemuSide().Connect();
        q.Device.Feed(q.Control(1, 0x80, 6, 0x0100, 0, 64));
        Assert.Equal(Convert.FromHexString("12011002000000403412214310000102" + "0301"), q.ControlReply(1).Data);
        q.Device.Feed(q.Control(2, 0x80, 6, 0x0200, 0, 9));
        Assert.Equal(Convert.FromHexString("090220000101008032"), q.ControlReply(2).Data);
        q.Device.Feed(q.Control(3, 0x80, 6, 0x0200, 0, 255));
        Assert.Equal(Convert.FromHexString(
            "090220000101008032" + "090400000202" + "0c0704" + "07058102400000" + "07050102400000"), q.ControlReply(3).Data);
        q.Device.Feed(q.Control(4, 0x80, 6, 0x0f00, 0, 255));
        Assert.Equal(Convert.FromHexString("050f0c0001071002" + "00000000"), q.ControlReply(4).Data);
        q.Device.Feed(q.Control(5, 0x80, 6, 0x0300, 0, 255));
        Assert.Equal([4, 3, 0x09, 0x04], q.ControlReply(5).Data);
        q.Device.Feed(q.Control(6, 0x80, 6, 0x0303, 0x0409, 255));
        Assert.Equal([10, 3, (byte)'T', 0, (byte)'E', 0, (byte)'S', 0, (byte)'T', 0], q.ControlReply(6).Data);
        q.Device.Feed(q.Control(7, 0x80, 6, 0x0301, 0x0409, 255));
        Assert.Equal("Fobnail", System.Text.Encoding.Unicode.GetString(q.ControlReply(7).Data[2..]));
        q.Device.Feed(q.Control(8, 0x80, 6, 0x0304, 0x0409, 255));
        Assert.Equal("Virtual Ethernet interface", System.Text.Encoding.Unicode.GetString(q.ControlReply(8).Data[2..]));
    }

    [Theory]
    [InlineData(0x80, 6, 0x0600, 0)]      // device qualifier: full-speed only
    [InlineData(0x80, 6, 0x0304, 0x0407)] // the interface string in German: usbd-ethernet has none
    [InlineData(0x80, 6, 0x0305, 0x0409)] // no string 5
    [InlineData(0xa1, 0x00, 0, 0)]        // a class request: EEM defines none
    [InlineData(0x21, 0x20, 0, 0)]
    [InlineData(0xc0, 0x01, 0, 0)]        // vendor request
    public void Requests_the_firmware_does_not_handle_stall(byte requestType, byte request, ushort value, ushort index)
    {
        var q = new QemuSide().Connect();
        q.Device.Feed(q.Control(1, requestType, request, value, index, (requestType & 0x80) != 0 ? (ushort)64 : (ushort)0));
        Assert.Equal(UsbRedirStatus.Stall, q.ControlReply(1).Status);
    }

    [Fact]
    public void Short_reads_are_cut_to_wLength_and_status_requests_answered()
    {
        var q = new QemuSide().Connect();
        q.Device.Feed(q.Control(1, 0x80, 6, 0x0100, 0, 8));
        Assert.Equal(Convert.FromHexString("1201100200000040"), q.ControlReply(1).Data);
        q.Device.Feed(q.Control(2, 0x80, 0, 0, 0, 2));
        Assert.Equal([0, 0], q.ControlReply(2).Data);
        q.Device.Feed(q.Control(3, 0x02, 3, 0, 0x81, 0)); // SET_FEATURE ENDPOINT_HALT on 0x81
        q.Device.Feed(q.Control(4, 0x82, 0, 0, 0x81, 2));
        Assert.Equal([1, 0], q.ControlReply(4).Data);
        q.Device.Feed(q.Control(5, 0x02, 1, 0, 0x81, 0)); // CLEAR_FEATURE
        q.Device.Feed(q.Control(6, 0x82, 0, 0, 0x81, 2));
        Assert.Equal([0, 0], q.ControlReply(6).Data);
    }

    [Fact]
    public void Bulk_out_frames_reach_the_network_and_frames_from_it_reach_bulk_in()
    {
        var q = new QemuSide().Connect();
        q.Device.Feed(q.Bulk(10, TokenIdentity.BulkIn, 1524)); // cdc_eem's URB size, waiting
        Assert.Empty(q.BulkReplies());
        q.Device.Feed(q.BulkOut(11, EemEncoder.Data(Frame, withCrc: true)));
        Assert.Equal(Frame, Assert.Single(q.ToNetwork));
        q.Device.FromNetwork(Frame);
        var replies = q.BulkReplies();
        Assert.Equal((11ul, UsbRedirStatus.Success, (uint)(2 + Frame.Length + 4)), (replies[0].Id, replies[0].Status, replies[0].Length));
        Assert.Equal((10ul, UsbRedirStatus.Success), (replies[1].Id, replies[1].Status));
        Assert.Equal(EemEncoder.Data(Frame), replies[1].Data);
        Assert.Contains(q.Trace, l => l.StartsWith("eem out data crc: 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff ARP", StringComparison.Ordinal));
        Assert.Contains(q.Trace, l => l.StartsWith("eem in data sentinel: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Frames_before_the_host_sent_anything_are_dropped_like_the_firmware_does()
    {
        var q = new QemuSide().Connect();
        q.Device.Feed(q.Bulk(10, TokenIdentity.BulkIn, 1524));
        q.Device.FromNetwork(Frame);
        Assert.Empty(q.BulkReplies());
        Assert.Contains(q.Trace, l => l.Contains("link down", StringComparison.Ordinal));
    }

    [Fact]
    public void In_64_byte_requests_a_transfer_goes_out_in_full_packets_then_a_short_one_or_a_zero_length_one()
    {
        var q = new QemuSide().Connect();
        q.Device.Feed(q.BulkOut(1, [0x00, 0x00])); // the host speaks: link up
        byte[] frame122 = new byte[122];            // EEM packet 2 + 122 + 4 = 128 = two full packets
        frame122[12] = 0x08;
        q.Device.FromNetwork(frame122);
        q.Device.FromNetwork(Frame);                // 2 + 42 + 4 = 48: one short packet
        for (ulong id = 100; id < 104; id++) q.Device.Feed(q.Bulk(id, TokenIdentity.BulkIn, 64));
        var ins = q.BulkReplies().Where(r => r.Id >= 100).ToList();
        Assert.Equal([64, 64, 0, 48], ins.Select(r => r.Data.Length));
        Assert.Equal(EemEncoder.Data(frame122), ins[0].Data.Concat(ins[1].Data).ToArray());
    }

    [Fact]
    public void Echo_is_answered_on_bulk_in_and_cancelled_requests_are_answered_cancelled()
    {
        var q = new QemuSide().Connect();
        q.Device.Feed(q.Bulk(20, TokenIdentity.BulkIn, 1524));
        q.Device.Feed(q.Bulk(21, TokenIdentity.BulkIn, 1524));
        q.Device.Feed(q.BulkOut(22, [0x02, 0x80, 0x12, 0x34]));
        Assert.Equal([0x02, 0x88, 0x12, 0x34], q.BulkReplies().Single(r => r.Id == 20).Data);
        q.Device.Feed(UsbRedirWriter.Packet(q.Settings, UsbRedirType.CancelDataPacket, 21, []));
        Assert.Equal(UsbRedirStatus.Cancelled, q.BulkReplies().Single(r => r.Id == 21).Status);
    }

    [Fact]
    public void A_waiting_bulk_in_is_ended_with_a_zero_length_packet_only_when_asked_to()
    {
        var q = new QemuSide().Connect();
        q.Device.Feed(q.Bulk(30, TokenIdentity.BulkIn, 1524));
        q.Device.ExpireWaitingIn(TimeSpan.FromHours(1));
        Assert.Empty(q.BulkReplies());
        q.Device.ExpireWaitingIn(TimeSpan.Zero);
        var reply = Assert.Single(q.BulkReplies());
        Assert.Equal((30ul, UsbRedirStatus.Success, 0u), (reply.Id, reply.Status, reply.Length));
    }

    [Fact]
    public void Bulk_before_configuration_and_on_other_endpoints_stalls()
    {
        var q = new QemuSide().Connect(configure: false);
        q.Device.Feed(q.BulkOut(1, [0, 0]));
        q.Device.Feed(UsbRedirWriter.Packet(q.Settings, UsbRedirType.SetConfiguration, 2, [1]));
        q.Device.Feed(q.Bulk(3, 0x82, 64));
        Assert.All(q.BulkReplies(), r => Assert.Equal(UsbRedirStatus.Stall, r.Status));
        Assert.Equal(2, q.BulkReplies().Count);
    }

    [Fact]
    public void A_look_alike_presents_the_tokens_ids_with_another_interface_class()
    {
        var q = new QemuSide(new TokenIdentity { InterfaceClass = 0xff, InterfaceSubClass = 0, InterfaceProtocol = 0 }).Connect();
        q.Device.Feed(q.Control(1, 0x80, 6, 0x0200, 0, 255));
        var config = q.ControlReply(1).Data;
        Assert.Equal([0xff, 0x00, 0x00], config[14..17]);
        q.Device.Feed(q.Control(2, 0x80, 6, 0x0100, 0, 18));
        Assert.Equal([0x34, 0x12, 0x21, 0x43], q.ControlReply(2).Data[8..12]);
    }
}
