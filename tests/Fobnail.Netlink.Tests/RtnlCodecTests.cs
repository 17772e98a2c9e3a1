using System.Net;
using Fobnail.Netlink.Rtnl;
using Fobnail.Netlink.Tests.Support;
using static Fobnail.Netlink.Rtnl.NetlinkConstants;
using static Fobnail.Netlink.Rtnl.RtnetlinkConstants;

namespace Fobnail.Netlink.Tests;

public class RtnlCodecTests
{
    private static List<NetlinkMessage> All(string capture) =>
        Captures.Load(capture).SelectMany(d => NetlinkMessageParser.Split(d)).ToList();

    [Fact]
    public void Captured_link_dump_decodes_loopback_and_both_veth_ends_then_done()
    {
        var messages = All("rtnl-getlink-dump.hex");
        Assert.Equal(NLMSG_DONE, messages[^1].Type);
        var links = messages.Where(m => m.Type == RTM_NEWLINK).Select(LinkMessage.Parse).ToList();
        Assert.Equal(["lo", "v1", "v0"], links.Select(l => l.IfName));
        var lo = links[0];
        Assert.Equal(1, lo.ifi_index);
        Assert.Equal(ARPHRD_LOOPBACK, lo.ifi_type);
        var v0 = links.Single(l => l.IfName == "v0");
        Assert.True(v0.IsUp);
        Assert.False(v0.IsLowerUp); // the peer v1 is down: no carrier
        Assert.Equal(OperState.IF_OPER_LOWERLAYERDOWN, v0.OperState);
        Assert.False(v0.Carrier);
        Assert.Equal(1500u, v0.Mtu);
        Assert.Equal(6, v0.HardwareAddress!.Length);
        Assert.All(messages, m => Assert.True((m.Header.nlmsg_flags & NLM_F_MULTI) != 0));
    }

    [Fact]
    public void Captured_monitor_stream_shows_add_up_carrier_down_and_delete()
    {
        var links = All("rtnl-monitor-veth.hex").Where(m => m.Type is RTM_NEWLINK or RTM_DELLINK).Select(LinkMessage.Parse).ToList();
        var v0 = links.Where(l => l.IfName == "v0").ToList();
        Assert.False(v0[0].IsUp);
        Assert.Contains(v0, l => l.IsUp && l.IsLowerUp && l.OperState == OperState.IF_OPER_UP);
        Assert.Contains(v0, l => !l.IsUp && !l.IsDelete);
        Assert.True(v0[^1].IsDelete);
        Assert.Equal(RTM_DELLINK, links[^1].MessageType);
        // Address notifications (RTMGRP_IPV4_IFADDR) were captured too.
        var addr = All("rtnl-monitor-veth.hex").Where(m => m.Type == RTM_NEWADDR).Select(AddressMessage.Parse).Single();
        Assert.Equal(IPAddress.Parse("169.254.0.8"), addr.Local);
        Assert.Equal(16, addr.ifa_prefixlen);
    }

    [Fact]
    public void Captured_address_dump_has_the_link_local_address()
    {
        var addrs = All("rtnl-getaddr-dump.hex").Where(m => m.Type == RTM_NEWADDR).Select(AddressMessage.Parse).ToList();
        Assert.Contains(addrs, a => a.Label == "v0" && a.Local!.Equals(IPAddress.Parse("169.254.0.8")) && a.ifa_prefixlen == 16);
    }

    [Fact]
    public void Captured_errors_decode_errno_and_extended_ack_message()
    {
        var bad = NetlinkErrorMessage.Parse(All("rtnl-error-extack.hex").Single());
        Assert.Equal(Errno.EOPNOTSUPP, bad.Errno);
        Assert.Equal("Unknown device type", bad.ExtAckMessage);
        Assert.Equal(RTM_NEWLINK, bad.Request.nlmsg_type);

        var exists = NetlinkErrorMessage.Parse(All("rtnl-newaddr-eexist.hex").Single());
        Assert.Equal(Errno.EEXIST, exists.Errno);
        Assert.Equal("ipv4: Address already assigned", exists.ExtAckMessage);

        var ack = NetlinkErrorMessage.Parse(All("rtnl-newaddr-ack.hex").Single());
        Assert.True(ack.IsAck);
        Assert.Equal(RTM_NEWADDR, ack.Request.nlmsg_type);
        Assert.Equal(3u, ack.Request.nlmsg_seq);

        var ex = new NetlinkException("RTM_NEWLINK", bad.Errno, bad.ExtAckMessage);
        Assert.Contains("EOPNOTSUPP (95)", ex.Message);
        Assert.Contains("kernel says: Unknown device type", ex.Message);
    }

    [Fact]
    public void Builder_output_round_trips_through_the_parsers()
    {
        var bytes = new NetlinkMessageBuilder(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 7)
            .IfAddrMsg(AF_INET, 16, 0, RT_SCOPE_UNIVERSE, 5)
            .Attribute(IFA_LOCAL, [169, 254, 0, 8])
            .Attribute(IFA_ADDRESS, [169, 254, 0, 8])
            .StringAttribute(IFA_LABEL, "tok0")
            .Build();
        var m = Assert.Single(NetlinkMessageParser.Split(bytes));
        Assert.Equal((uint)bytes.Length, m.Header.nlmsg_len);
        Assert.Equal(7u, m.Header.nlmsg_seq);
        var a = AddressMessage.Parse(m);
        Assert.Equal((5, "169.254.0.8", "169.254.0.8", "tok0", (byte)16),
            (a.ifa_index, a.Local!.ToString(), a.Address!.ToString(), a.Label, a.ifa_prefixlen));

        // Our "add 169.254.0.8/16" request equals the captured one the kernel echoed in its EEXIST error
        // (bytes 20..60 of that datagram), except nlmsg_pid, which the kernel fills in.
        var eexist = Captures.Load("rtnl-newaddr-eexist.hex").Single();
        var echoed = eexist.AsSpan(20, 40).ToArray();
        var ours = new NetlinkMessageBuilder(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 4)
            .IfAddrMsg(AF_INET, 16, 0, RT_SCOPE_UNIVERSE, 5)
            .Attribute(IFA_LOCAL, [169, 254, 0, 8]).Attribute(IFA_ADDRESS, [169, 254, 0, 8]).Build();
        Assert.Equal(echoed[..12], ours[..12]);
        Assert.Equal(echoed[16..], ours[16..]);
    }

    [Theory]
    [InlineData(new byte[] { 8, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "below the header size")]
    [InlineData(new byte[] { 0xff, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "runs past the datagram end")]
    [InlineData(new byte[] { 16, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2 }, "too short for a netlink header")]
    public void Splitter_rejects_bad_nlmsg_len(byte[] datagram, string expected) =>
        Assert.Contains(expected, Assert.Throws<NetlinkParseException>(() => NetlinkMessageParser.Split(datagram)).Message);

    [Fact]
    public void Attribute_lengths_past_the_end_or_below_the_header_are_rejected()
    {
        byte[] Link(params byte[] attrs) =>
            [.. BitConverter.GetBytes(16 + 16 + attrs.Length), .. BitConverter.GetBytes((ushort)RTM_NEWLINK), 0, 0, .. new byte[8],
             0, 0, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, .. attrs];
        var pastEnd = NetlinkMessageParser.Split(Link(20, 0, 3, 0, (byte)'x', 0, 0, 0));
        Assert.Contains("runs past the end", Assert.Throws<NetlinkParseException>(() => LinkMessage.Parse(pastEnd[0])).Message);
        var tiny = NetlinkMessageParser.Split(Link(2, 0, 3, 0));
        Assert.Contains("below the rtattr header", Assert.Throws<NetlinkParseException>(() => LinkMessage.Parse(tiny[0])).Message);
        var unterminated = NetlinkMessageParser.Split(Link(8, 0, 3, 0, (byte)'e', (byte)'t', (byte)'h', (byte)'0'));
        Assert.Contains("NUL-terminated", Assert.Throws<NetlinkParseException>(() => LinkMessage.Parse(unterminated[0])).Message);
        // Unknown attribute types are skipped, not errors: kernels add attributes all the time.
        var unknown = NetlinkMessageParser.Split(Link(8, 0, 0xee, 0x3e, 1, 2, 3, 4, 8, 0, 3, 0, (byte)'a', (byte)'b', 0, 0));
        Assert.Equal("ab", LinkMessage.Parse(unknown[0]).IfName);
    }

    [Fact]
    public void Monitor_filter_drops_bad_datagrams_with_a_log_line_and_keeps_good_ones()
    {
        var log = new ListLogger();
        var good = Captures.Load("rtnl-monitor-veth.hex")[0];
        Assert.Single(RouteMonitor.Accept(new NetlinkDatagram(good, 0, 1, 0, false, false), log));
        var bad = good.ToArray();
        bad[0] = 0xff; // nlmsg_len past the end
        Assert.Empty(RouteMonitor.Accept(new NetlinkDatagram(bad, 0, 1, 0, false, false), log));
        Assert.Contains(log.Lines, l => l.Contains("dropped malformed datagram") && l.Contains("runs past"));
        Assert.Empty(RouteMonitor.Accept(new NetlinkDatagram(good, 1234, 1, 0, false, false), log)); // forged sender
        var overrun = Assert.Single(RouteMonitor.Accept(new NetlinkDatagram([], 0, 0, 0, false, true), log));
        Assert.True(overrun.IsOverrun);
        // An unknown message type in the group is ignored (logged), the link message next to it survives.
        byte[] noop = [16, 0, 0, 0, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.Single(RouteMonitor.Accept(new NetlinkDatagram([.. noop, .. good], 0, 1, 0, false, false), log));
    }
}
