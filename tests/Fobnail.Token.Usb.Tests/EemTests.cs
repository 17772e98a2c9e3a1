using Fobnail.Token.Usb.Eem;

namespace Fobnail.Token.Usb.Tests;

/// <summary>EEM framing (CDC EEM 1.0 §5) against bytes worked out independently of this code.</summary>
public sealed class EemTests
{
    /// <summary>A 60-byte frame 00 01 .. 3b; its CRC-32 is 0xb0ec7fee (Python: zlib.crc32(bytes(range(60)))).</summary>
    private static readonly byte[] Frame = Enumerable.Range(0, 60).Select(i => (byte)i).ToArray();

    /// <summary>What Linux cdc_eem sends for it: header BIT(14) | (60 + 4) little-endian, the frame, ~crc32_le little-endian.</summary>
    private static readonly byte[] WithCrc = [0x40, 0x40, .. Frame, 0xee, 0x7f, 0xec, 0xb0];

    /// <summary>What the firmware (usbd-ethernet) sends: bmCRC 0, length 64, the sentinel bytes DE AD BE EF.</summary>
    private static readonly byte[] WithSentinel = [0x40, 0x00, .. Frame, 0xde, 0xad, 0xbe, 0xef];

    [Fact]
    public void Encoder_writes_the_firmware_sentinel_form_and_the_crc_form()
    {
        Assert.Equal(WithSentinel, EemEncoder.Data(Frame));
        Assert.Equal(WithCrc, EemEncoder.Data(Frame, withCrc: true));
    }

    [Fact]
    public void Decoder_checks_a_crc_and_accepts_a_sentinel()
    {
        var crc = Assert.IsType<EemFrame>(Assert.Single(new EemDecoder().Feed(WithCrc)));
        Assert.True(crc.WithCrc);
        Assert.Equal(Frame, crc.Frame);
        var sentinel = Assert.IsType<EemFrame>(Assert.Single(new EemDecoder().Feed(WithSentinel)));
        Assert.False(sentinel.WithCrc);
        Assert.Equal(Frame, sentinel.Frame);
    }

    [Fact]
    public void Decoder_drops_a_bad_crc_and_goes_on_with_the_next_packet()
    {
        byte[] bad = [.. WithCrc];
        bad[10] ^= 0x01;
        var packets = new EemDecoder().Feed([.. bad, .. WithSentinel]);
        Assert.Equal(2, packets.Count);
        Assert.Contains("bad CRC", Assert.IsType<EemDropped>(packets[0]).Reason);
        Assert.Equal(Frame, Assert.IsType<EemFrame>(packets[1]).Frame);
    }

    [Fact]
    public void Several_packets_in_one_transfer_with_zero_length_padding()
    {
        // cdc_eem pads a transfer that would end on a full USB packet with a zero-length EEM packet (00 00).
        var packets = new EemDecoder().Feed([.. WithCrc, 0x00, 0x00, .. WithSentinel, 0x00, 0x00]);
        Assert.Collection(packets,
            p => Assert.IsType<EemFrame>(p),
            p => Assert.IsType<EemZeroLength>(p),
            p => Assert.IsType<EemFrame>(p),
            p => Assert.IsType<EemZeroLength>(p));
    }

    [Theory]
    [InlineData(1)]   // inside the header
    [InlineData(2)]   // right after the header
    [InlineData(64)]  // one full-speed USB packet
    [InlineData(63)]  // the CRC split between transfers
    public void A_packet_split_across_transfers_is_put_back_together(int cut)
    {
        var decoder = new EemDecoder();
        byte[] stream = [.. WithCrc, .. WithSentinel];
        var packets = new List<EemPacket>();
        for (int i = 0; i < stream.Length; i += cut)
            packets.AddRange(decoder.Feed(stream.AsSpan(i, Math.Min(cut, stream.Length - i))));
        Assert.Equal(2, packets.Count);
        Assert.All(packets, p => Assert.Equal(Frame, Assert.IsType<EemFrame>(p).Frame));
        Assert.Equal(0, decoder.Pending);
    }

    [Fact]
    public void Echo_is_read_with_its_payload_and_answered_with_the_same_payload()
    {
        // Echo: bmType 1, bmEEMCmd 000, length 3 -> header 0x8003.
        var echo = Assert.IsType<EemCommandPacket>(Assert.Single(new EemDecoder().Feed([0x03, 0x80, 0xaa, 0xbb, 0xcc])));
        Assert.Equal(EemCommand.Echo, echo.Command);
        Assert.Equal([0xaa, 0xbb, 0xcc], echo.Payload);
        // Echo Response: bmEEMCmd 001 -> header 0x8803.
        Assert.Equal([0x03, 0x88, 0xaa, 0xbb, 0xcc], EemEncoder.EchoResponse(echo.Payload));
    }

    [Fact]
    public void Hints_carry_no_payload_and_reserved_commands_are_dropped()
    {
        // Tickle (5) 0xa800, Response Hint (3) with a 10-bit timeout 0x9805, reserved 6 0xb000, then a frame.
        var packets = new EemDecoder().Feed([0x00, 0xa8, 0x05, 0x98, 0x00, 0xb0, .. WithSentinel]);
        Assert.Collection(packets,
            p => Assert.Equal(EemCommand.Tickle, Assert.IsType<EemCommandPacket>(p).Command),
            p => Assert.Equal((ushort)5, Assert.IsType<EemCommandPacket>(p).Parameter),
            p => Assert.Contains("reserved EEM command 6", Assert.IsType<EemDropped>(p).Reason),
            p => Assert.IsType<EemFrame>(p));
    }

    [Fact]
    public void Giant_frames_are_skipped_unbuffered_and_runts_dropped()
    {
        // A data packet of the largest 14-bit length (16383), then a runt (4 bytes: only a sentinel), then a frame.
        byte[] giant = [0xff, 0x3f, .. new byte[0x3fff]];
        var decoder = new EemDecoder();
        var packets = new List<EemPacket>();
        for (int i = 0; i < giant.Length; i += 64) packets.AddRange(decoder.Feed(giant.AsSpan(i, Math.Min(64, giant.Length - i))));
        packets.AddRange(decoder.Feed([0x04, 0x00, 0xde, 0xad, 0xbe, 0xef, .. WithSentinel]));
        Assert.Collection(packets,
            p => Assert.Contains("giant", Assert.IsType<EemDropped>(p).Reason),
            p => Assert.Contains("runt", Assert.IsType<EemDropped>(p).Reason),
            p => Assert.IsType<EemFrame>(p));
    }
}
