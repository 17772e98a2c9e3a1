using System.Buffers.Binary;
using Fobnail.Token.Usb.UsbRedir;

namespace Fobnail.Token.Usb.Tests;

/// <summary>The usbredir reader: header sizes per agreed capabilities, and every limit on what QEMU may send.</summary>
public sealed class UsbRedirParserTests
{
    private static readonly UsbRedirSettings Agreed = new(UsbRedirSettings.DefaultCaps, QemuSide.QemuCaps, true);

    [Fact]
    public void Hello_uses_32_bit_ids_and_reads_version_and_caps()
    {
        byte[] hello = QemuSide.Hello();
        Assert.Equal(12 + 64 + 4, hello.Length);
        Assert.True(UsbRedirParser.TryParse(hello, UsbRedirSettings.Initial, out var packet, out int consumed, out _));
        Assert.Equal(hello.Length, consumed);
        var h = Assert.IsType<HelloPacket>(packet);
        Assert.Equal("qemu usb-redir guest 7.2.22", h.Version);
        Assert.Equal(0xffu, h.Capabilities);
    }

    [Fact]
    public void After_hello_headers_follow_the_agreed_caps()
    {
        Assert.Equal(16, Agreed.HeaderLength);
        Assert.Equal(10, UsbRedirParser.TypeHeaderLength(UsbRedirType.BulkPacket, Agreed));
        Assert.Equal(10, UsbRedirParser.TypeHeaderLength(UsbRedirType.DeviceConnect, Agreed));
        // ep_info: type, interval, interface, max_packet_size; no max_streams (we do not announce bulk streams).
        Assert.Equal(160, UsbRedirParser.TypeHeaderLength(UsbRedirType.EpInfo, Agreed));
        var old = new UsbRedirSettings(UsbRedirSettings.DefaultCaps, 0, true);
        Assert.Equal(12, old.HeaderLength);
        Assert.Equal(8, UsbRedirParser.TypeHeaderLength(UsbRedirType.BulkPacket, old));
        Assert.Equal(96, UsbRedirParser.TypeHeaderLength(UsbRedirType.EpInfo, old));
    }

    [Fact]
    public void Incomplete_input_asks_for_more_and_a_packet_in_pieces_parses()
    {
        byte[] bulk = new QemuSide().BulkOut(7, [1, 2, 3]);
        for (int n = 0; n < bulk.Length; n++)
            Assert.False(UsbRedirParser.TryParse(bulk.AsSpan(0, n), Agreed, out _, out _, out _));
        Assert.True(UsbRedirParser.TryParse(bulk, Agreed, out var packet, out _, out _));
        var b = Assert.IsType<BulkPacket>(packet);
        Assert.Equal((7ul, (byte)0x01, 3u), (b.Id, b.Endpoint, b.Length));
        Assert.Equal([1, 2, 3], b.Data);
    }

    public static TheoryData<string, byte[]> BadPackets()
    {
        var q = new QemuSide();
        byte[] Header(uint type, uint length) { var h = new byte[16]; BinaryPrimitives.WriteUInt32LittleEndian(h, type); BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(4), length); return h; }
        byte[] outLie = q.BulkOut(1, [1, 2, 3]);
        outLie[16 + 2] = 4; // says 4, carries 3
        return new()
        {
            { "exceeds the limit", Header(101, 0x7fffffff) },
            { "shorter than its 10-byte header", Header(100, 4) },
            { "bytes of data where none belong", Header(6, 2) },
            { "an IN request carries 2 bytes", q.Control(1, 0x80, 6, 0x100, 0, 2, [0, 0]) },
            { "wLength 8 but carries 0 bytes", q.Control(1, 0x00, 9, 1, 0, 8) },
            { "wLength 65535 exceeds the limit", q.Control(1, 0x80, 6, 0x100, 0, 65535) },
            { "says length 4 but carries 3 bytes", outLie },
            { "an IN request carries 1 bytes", q.Bulk(1, 0x81, 64, [0]) },
            { "length 1048576 exceeds the limit", q.Bulk(1, 0x81, 1 << 20) },
        };
    }

    [Theory]
    [MemberData(nameof(BadPackets))]
    public void Bad_lengths_throw_with_what_was_wrong(string message, byte[] packet)
    {
        var e = Assert.Throws<UsbRedirProtocolException>(() => UsbRedirParser.TryParse(packet, Agreed, out _, out _, out _));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_huge_length_is_refused_from_the_header_alone()
    {
        byte[] header = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)UsbRedirType.BulkPacket);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), 0xffffffff);
        Assert.Throws<UsbRedirProtocolException>(() => UsbRedirParser.TryParse(header, Agreed, out _, out _, out _));
    }

    [Fact]
    public void Anything_before_hello_is_refused()
    {
        byte[] reset = UsbRedirWriter.Packet(UsbRedirSettings.Initial, UsbRedirType.Reset, 0, []);
        var e = Assert.Throws<UsbRedirProtocolException>(() => UsbRedirParser.TryParse(reset, UsbRedirSettings.Initial, out _, out _, out _));
        Assert.Contains("before hello", e.Message);
    }

    [Fact]
    public void Unknown_types_within_the_limit_are_skipped_whole()
    {
        byte[] unknown = UsbRedirWriter.Packet(Agreed, (UsbRedirType)99, 5, [1, 2, 3]);
        Assert.True(UsbRedirParser.TryParse(unknown, Agreed, out var packet, out int consumed, out _));
        Assert.Equal(unknown.Length, consumed);
        Assert.Equal((UsbRedirType)99, Assert.IsType<OtherPacket>(packet).RawType);
    }
}
