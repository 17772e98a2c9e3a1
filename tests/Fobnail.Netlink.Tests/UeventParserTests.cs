using System.Text;
using Fobnail.Netlink.Tests.Support;
using Fobnail.Netlink.Uevents;

namespace Fobnail.Netlink.Tests;

public class UeventParserTests
{
    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    [Fact]
    public void Parses_captured_veth_add_and_remove()
    {
        var events = Captures.Load("uevents-veth.hex").Select(d => UeventParser.Parse(d)).ToList();
        Assert.Equal(20, events.Count);

        var add = events.First(e => e.Subsystem == "net" && e.Action == "add");
        Assert.Equal("/devices/virtual/net/v1", add.DevPath);
        Assert.Equal("v1", add.Interface);
        Assert.Equal(2, add.IfIndex);
        Assert.Equal(861UL, add.SeqNum);
        Assert.Equal("v1", add["INTERFACE"]);

        var remove = events.Last(e => e.Subsystem == "net");
        Assert.Equal("remove", remove.Action);
        Assert.Equal("v1", remove.Interface);
        // Kernel SEQNUMs are strictly increasing.
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.SeqNum < p.Second.SeqNum));
    }

    [Fact]
    public void Parses_captured_usb_net_plug_unplug_replug_from_the_qemu_guest()
    {
        // Recorded by /init's uevent listener in the QEMU guest (xHCI, usb-net hot-added, removed, added again).
        var events = Captures.Load("uevents-qemu-usb-net.hex").Select(d => UeventParser.Parse(d)).ToList();
        var iface = events.First(e => e.Action == "add" && e.DevType == "usb_interface" && e.Modalias?.StartsWith("usb:v0525pA4A2") == true);
        Assert.Equal("usb", iface.Subsystem);
        Assert.Equal("525/a4a2/0", iface.Product);
        Assert.Equal("2/6/0", iface.Interface); // for USB interfaces INTERFACE is the class triple
        Assert.Null(iface.IfIndex);

        var nets = events.Where(e => e.Subsystem == "net").ToList();
        Assert.Equal(["add", "remove", "add"], nets.Select(e => e.Action));
        Assert.All(nets, e => Assert.Equal("usb0", e.Interface));
        Assert.Equal([2, 2, 3], nets.Select(e => e.IfIndex!.Value)); // replug: a new ifindex
        Assert.StartsWith(iface.DevPath + "/net/usb0", nets[0].DevPath);
        Assert.Contains(events, e => e.Action == "bind" && e.DevPath == iface.DevPath && e.Driver == "cdc_ether");
    }

    [Fact]
    public void ToDatagram_reproduces_every_captured_datagram_byte_for_byte()
    {
        foreach (var d in Captures.Load("uevents-veth.hex").Concat(Captures.Load("uevents-qemu-usb-net.hex")))
            Assert.Equal(d, UeventParser.Parse(d).ToDatagram());
    }

    [Fact]
    public void Parses_a_usb_interface_uevent_with_modalias_product_and_driver()
    {
        // Layout of a kernel "bind" uevent for a USB interface (lib/kobject_uevent.c + usb_uevent()).
        var text = "bind@/devices/pci0000:00/0000:00:04.0/usb1/1-1/1-1:1.0\0ACTION=bind\0" +
                   "DEVPATH=/devices/pci0000:00/0000:00:04.0/usb1/1-1/1-1:1.0\0SUBSYSTEM=usb\0DEVTYPE=usb_interface\0" +
                   "DRIVER=cdc_eem\0PRODUCT=1234/4321/100\0TYPE=2/0/0\0INTERFACE=2/12/7\0" +
                   "MODALIAS=usb:v1234p4321d0100dc02dsc00dp00ic02isc0Cip07in00\0SEQNUM=1234\0";
        var e = UeventParser.Parse(Ascii(text));
        Assert.Equal("bind", e.Action);
        Assert.Equal("usb", e.Subsystem);
        Assert.Equal("usb_interface", e.DevType);
        Assert.Equal("cdc_eem", e.Driver);
        Assert.Equal("1234/4321/100", e.Product);
        Assert.StartsWith("usb:v1234p4321", e.Modalias);
        Assert.Null(e.IfIndex); // INTERFACE here is the USB class triple, there is no IFINDEX
        Assert.Equal(1234UL, e.SeqNum);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("add@/devices/x", "not NUL-terminated")]
    [InlineData("add/devices/x\0ACTION=add\0DEVPATH=/devices/x\0", "ACTION@DEVPATH")]
    [InlineData("add@/devices/x\0ACTION=add\0", "no DEVPATH")]
    [InlineData("add@/devices/x\0DEVPATH=/devices/x\0", "no ACTION")]
    [InlineData("add@/devices/x\0ACTION=remove\0DEVPATH=/devices/x\0", "disagrees")]
    [InlineData("add@/devices/x\0ACTION=add\0DEVPATH=/devices/x\0NOEQUALS\0", "KEY=VALUE")]
    [InlineData("add@/devices/x\0ACTION=add\0DEVPATH=/devices/x\0SEQNUM=12", "truncated")]
    [InlineData("add@/devices/x\0ACTION=add\0DEVPATH=/devices/x\0IFINDEX=-3\0", "IFINDEX")]
    [InlineData("add@/devices/x\0ACTION=add\0DEVPATH=/devices/x\0SEQNUM=x\0", "SEQNUM")]
    public void Rejects_malformed_uevents_with_a_clear_message(string text, string expected)
    {
        var e = Assert.Throws<UeventParseException>(() => UeventParser.Parse(Ascii(text)));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Rejects_libudev_messages_too_many_properties_oversize_and_bad_utf8()
    {
        Assert.Throws<UeventParseException>(() => UeventParser.Parse([.. "libudev\0"u8, 0xfe, 0xed, 0xca, 0xfe, 0, 0, 0, 0]));
        var many = new StringBuilder("add@/x\0ACTION=add\0DEVPATH=/x\0");
        for (int i = 0; i < UeventParser.MaxProperties; i++) many.Append($"K{i}=v\0");
        Assert.Contains("more than", Assert.Throws<UeventParseException>(() => UeventParser.Parse(Ascii(many.ToString()))).Message);
        Assert.Contains("exceeds", Assert.Throws<UeventParseException>(() => UeventParser.Parse(new byte[UeventParser.MaxDatagramBytes + 1])).Message);
        Assert.Contains("UTF-8", Assert.Throws<UeventParseException>(() => UeventParser.Parse([.. "add@/x\0ACTION=add\0DEVPATH=/x\0K="u8, 0xff, 0])).Message);
    }

    [Fact]
    public void Listener_filter_drops_forged_libudev_truncated_and_malformed_datagrams()
    {
        var good = Captures.Load("uevents-veth.hex")[0];
        var log = new ListLogger();
        Assert.NotNull(UeventListener.Accept(new NetlinkDatagram(good, 0, 1, 42, false, false), log));
        Assert.Equal(42, UeventListener.Accept(new NetlinkDatagram(good, 0, 1, 42, false, false), log)!.ReceivedTimestamp);
        Assert.Null(UeventListener.Accept(new NetlinkDatagram(good, 4711, 1, 0, false, false), log)); // not from the kernel
        Assert.Null(UeventListener.Accept(new NetlinkDatagram(good, 0, 1, 0, true, false), log));
        Assert.Null(UeventListener.Accept(new NetlinkDatagram([], 0, 0, 0, false, true), log));
        Assert.Null(UeventListener.Accept(new NetlinkDatagram("libudev\0xxxxxxxx"u8.ToArray(), 0, 2, 0, false, false), log));
        Assert.Null(UeventListener.Accept(new NetlinkDatagram("garbage"u8.ToArray(), 0, 1, 0, false, false), log));
        Assert.Contains(log.Lines, l => l.Contains("not NUL-terminated"));
        Assert.Contains(log.Lines, l => l.Contains("ENOBUFS"));
    }

    [Fact]
    public void Mutated_and_random_datagrams_only_ever_raise_UeventParseException()
    {
        var seeds = Captures.Load("uevents-veth.hex").Concat(Captures.Load("uevents-qemu-usb-net.hex")).Concat([Ascii(
            "bind@/devices/pci0000:00/0000:00:04.0/usb1/1-1/1-1:1.0\0ACTION=bind\0DEVPATH=/devices/pci0000:00/0000:00:04.0/usb1/1-1/1-1:1.0\0" +
            "SUBSYSTEM=usb\0MODALIAS=usb:v1234p4321d0100dc02dsc00dp00ic02isc0Cip07in00\0IFINDEX=3\0SEQNUM=9\0")]).ToArray();
        var rng = new Random(20261122);
        int parsed = 0, rejected = 0;
        for (int i = 0; i < 200_000; i++)
        {
            byte[] input = i % 10 == 0 ? Mutator.RandomBytes(rng, 512) : Mutator.Mutate(rng, seeds[rng.Next(seeds.Length)]);
            try
            {
                UeventParser.Parse(input);
                parsed++;
            }
            catch (UeventParseException)
            {
                rejected++;
            }
        }
        // Both outcomes must occur, or the mutator is not exercising the parser.
        Assert.True(parsed > 1000 && rejected > 1000, $"parsed {parsed}, rejected {rejected}");
    }
}
