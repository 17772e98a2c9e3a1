using Fobnail.Token.Usb.Device;
using Fobnail.Token.Usb.Eem;
using Fobnail.Token.Usb.UsbRedir;
using Xunit.Abstractions;

namespace Fobnail.Token.Usb.Tests;

/// <summary>
/// Mutation tests of the two parsers of untrusted input: what QEMU sends (usbredir) and what the guest's driver
/// sends inside it (EEM). A good session is mutated (bit flips, boundary values, cuts, repeats, inserts) and fed in
/// random pieces; the only exception allowed is <see cref="UsbRedirProtocolException"/>, and a good share of the
/// mutated inputs must get past the first checks into control request handling and EEM decoding.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private const int Iterations = 4000;

    private static byte[] GoodSession()
    {
        var q = new QemuSide();
        byte[] frame = [.. Enumerable.Repeat((byte)0xff, 6), 2, 0, 0, 0, 0, 1, 0x08, 0x00, .. Enumerable.Range(0, 84).Select(i => (byte)i)];
        byte[] eem = [.. EemEncoder.Data(frame, withCrc: true), 0x00, 0x00, .. EemEncoder.Data(frame), 0x02, 0x80, 0xab, 0xcd];
        return
        [
            .. QemuSide.Hello(),
            .. q.Control(1, 0x80, 6, 0x0100, 0, 64),
            .. UsbRedirWriter.Packet(q.Settings, UsbRedirType.Reset, 0, []),
            .. q.Control(2, 0x80, 6, 0x0200, 0, 255),
            .. q.Control(3, 0x80, 6, 0x0303, 0x0409, 255),
            .. UsbRedirWriter.Packet(q.Settings, UsbRedirType.SetConfiguration, 4, [1]),
            .. q.Bulk(5, TokenIdentity.BulkIn, 64),
            .. q.Bulk(6, TokenIdentity.BulkIn, 1524),
            // The EEM stream split across three bulk OUT transfers, as UHCI would deliver it.
            .. q.BulkOut(7, eem[..64]),
            .. q.BulkOut(8, eem[64..150]),
            .. q.BulkOut(9, eem[150..]),
            .. UsbRedirWriter.Packet(q.Settings, UsbRedirType.CancelDataPacket, 6, []),
            .. q.Control(10, 0x80, 0, 0, 0, 2),
        ];
    }

    private static byte[] Mutate(byte[] input, Random rng)
    {
        var b = new List<byte>(input);
        int mutations = 1 + rng.Next(4);
        for (int m = 0; m < mutations && b.Count > 0; m++)
        {
            int at = rng.Next(b.Count);
            switch (rng.Next(6))
            {
                case 0: b[at] ^= (byte)(1 << rng.Next(8)); break;
                case 1: b[at] = (byte)(new[] { 0x00, 0xff, 0x7f, 0x80, 0x01, 0x40 })[rng.Next(6)]; break;
                case 2: b.RemoveRange(at, Math.Min(b.Count - at, 1 + rng.Next(16))); break;
                case 3: b.InsertRange(at, Enumerable.Range(0, 1 + rng.Next(8)).Select(_ => (byte)rng.Next(256))); break;
                case 4: b.InsertRange(at, b.GetRange(at, Math.Min(b.Count - at, 1 + rng.Next(32)))); break;
                default: b.RemoveRange(at, b.Count - at); break; // cut: the peer vanished mid-packet
            }
        }
        return [.. b];
    }

    [Fact]
    public void Mutated_usbredir_sessions_fail_cleanly_and_mostly_reach_deep_code()
    {
        var rng = new Random(13);
        byte[] good = GoodSession();
        int reachedControl = 0, reachedEem = 0, refused = 0;
        for (int i = 0; i < Iterations; i++)
        {
            byte[] input = Mutate(good, rng);
            var q = new QemuSide();
            q.Device.Start();
            try
            {
                for (int at = 0; at < input.Length;)
                {
                    int n = Math.Min(input.Length - at, 1 + rng.Next(200));
                    q.Device.Feed(input.AsSpan(at, n));
                    at += n;
                }
            }
            catch (UsbRedirProtocolException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
                refused++;
            }
            if (q.Device.Counters.ControlRequests > 0) reachedControl++;
            if (q.Device.Counters.EemPackets > 0) reachedEem++;
        }
        output.WriteLine($"{Iterations} mutated sessions: {refused} refused with a protocol error, {reachedControl} reached control requests, {reachedEem} reached EEM decoding");
        Assert.True(reachedControl > Iterations * 6 / 10, $"only {reachedControl} of {Iterations} reached control handling");
        Assert.True(reachedEem > Iterations * 2 / 10, $"only {reachedEem} of {Iterations} reached EEM decoding");
        Assert.True(refused > Iterations / 10, $"only {refused} of {Iterations} were refused: the mutations are too mild");
    }

    [Fact]
    public void Mutated_eem_streams_never_throw_and_mostly_decode()
    {
        var rng = new Random(7);
        byte[] frame = [.. Enumerable.Repeat((byte)0xff, 6), 2, 0, 0, 0, 0, 1, 0x08, 0x06, .. new byte[28]];
        byte[] good = [.. EemEncoder.Data(frame, withCrc: true), 0x00, 0x00, .. EemEncoder.Data(frame), 0x03, 0x80, 1, 2, 3, .. EemEncoder.Data(frame, withCrc: true)];
        int decoded = 0, frames = 0, dropped = 0;
        for (int i = 0; i < Iterations; i++)
        {
            byte[] input = Mutate(good, rng);
            var decoder = new EemDecoder();
            var packets = new List<EemPacket>();
            for (int at = 0; at < input.Length;)
            {
                int n = Math.Min(input.Length - at, 1 + rng.Next(80));
                packets.AddRange(decoder.Feed(input.AsSpan(at, n)));
                at += n;
                Assert.InRange(decoder.Pending, 0, 0x3fff + EemFormat.HeaderLength);
            }
            if (packets.Count > 0) decoded++;
            if (packets.OfType<EemFrame>().Any()) frames++;
            if (packets.OfType<EemDropped>().Any()) dropped++;
        }
        output.WriteLine($"{Iterations} mutated EEM streams: {decoded} decoded packets, {frames} gave frames, {dropped} had packets dropped");
        Assert.True(frames > Iterations / 2, $"only {frames} of {Iterations} got a frame through");
        Assert.True(dropped > Iterations / 10, $"only {dropped} of {Iterations} had a packet dropped: the mutations are too mild");
    }
}
