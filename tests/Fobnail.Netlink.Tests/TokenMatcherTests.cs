using Fobnail.Netlink.Matching;
using Fobnail.Netlink.Tests.Support;

namespace Fobnail.Netlink.Tests;

public class TokenMatcherTests
{
    [Fact]
    public void Default_matches_the_token_and_refuses_other_usb_nics_with_a_reason()
    {
        using var sys = new FakeSysfs();
        sys.AddUsbNic("usb0", "1234", "4321", "02", "0c", "07", "cdc_eem");
        sys.AddUsbNic("usb1", "0525", "a4a2", "02", "06", "00", "cdc_ether"); // QEMU usb-net
        sys.AddUsbNic("usb2", "1234", "4321", "02", "06", "00", "cdc_ether"); // right ids, wrong function
        var probe = new SysfsUsbProbe(sys.Root);

        var token = probe.Probe("usb0", out _)!;
        Assert.Equal(new UsbId(0x1234, 0x4321), token.Id);
        Assert.Equal(UsbInterfaceClass.CdcEem, token.InterfaceClass);
        Assert.Equal("cdc_eem", token.Driver);
        Assert.True(TokenMatcher.Default.Matches(token, out _));

        Assert.False(TokenMatcher.Default.Matches(probe.Probe("usb1", out _)!, out var why1));
        Assert.Equal("USB id 0525:a4a2 is not one of 1234:4321", why1);
        Assert.False(TokenMatcher.Default.Matches(probe.Probe("usb2", out _)!, out var why2));
        Assert.Equal("interface class 02/06/00 is not one of 02/0c/07", why2);
    }

    [Fact]
    public void Configured_matcher_accepts_qemu_usb_net_and_all_given_kinds_must_hold()
    {
        using var sys = new FakeSysfs();
        sys.AddUsbNic("usb0", "0525", "a4a2", "02", "06", "00", "cdc_ether");
        sys.AddUsbNic("bad0", "dead", "beef", "02", "06", "00", "cdc_ether"); // BadUSB: right driver, wrong ids
        var probe = new SysfsUsbProbe(sys.Root);
        var qemu = TokenMatcher.Parse("0525:a4a2, cdc_ether");
        Assert.True(qemu.Matches(probe.Probe("usb0", out _)!, out _));
        Assert.False(qemu.Matches(probe.Probe("bad0", out _)!, out var why));
        Assert.Contains("dead:beef", why);
        // Driver alone is allowed when asked for explicitly.
        Assert.True(TokenMatcher.Parse("cdc_ether").Matches(probe.Probe("bad0", out _)!, out _));
        Assert.False(TokenMatcher.Parse("0525:a4a2,cdc_eem").Matches(probe.Probe("usb0", out _)!, out var why2));
        Assert.Equal("driver cdc_ether is not one of cdc_eem", why2);
    }

    [Fact]
    public void Non_usb_interfaces_are_not_identified_and_say_why()
    {
        using var sys = new FakeSysfs();
        sys.AddVirtual("veth0");
        sys.AddPciNic("eth0");
        var probe = new SysfsUsbProbe(sys.Root);
        Assert.Null(probe.Probe("veth0", out var r1));
        Assert.Contains("virtual interface", r1);
        Assert.Null(probe.Probe("eth0", out var r2));
        Assert.Contains("not a USB interface", r2);
        Assert.Null(probe.Probe("missing0", out var r3));
        Assert.Contains("no device link", r3);
        Assert.Null(probe.Probe("../..", out var r4));
        Assert.Contains("not a valid interface name", r4);
    }

    [Fact]
    public void Real_sysfs_of_this_host_is_readable()
    {
        // Whatever NICs this machine has, probing them must give an answer, never throw.
        foreach (var dir in Directory.GetFileSystemEntries("/sys/class/net"))
        {
            var id = new SysfsUsbProbe().Probe(Path.GetFileName(dir), out var reason);
            Assert.True(id is not null || reason.Length > 0);
        }
    }

    [Theory]
    [InlineData("1234:4321", "1234:4321")]
    [InlineData("1234:4321,02/0c/07", "1234:4321,02/0c/07")]
    [InlineData("cdc_eem,0525:A4A2", "0525:a4a2,cdc_eem")]
    public void Parses_match_lists(string text, string canonical) => Assert.Equal(canonical, TokenMatcher.Parse(text).ToString());

    [Theory]
    [InlineData("")]
    [InlineData(",")]
    [InlineData("12345:1")]
    [InlineData("cdc eem")]
    [InlineData("02/0c")]
    public void Rejects_bad_match_lists(string text) => Assert.Throws<FormatException>(() => TokenMatcher.Parse(text));

    [Theory]
    [InlineData("169.254.0.8/16", true)]
    [InlineData("10.0.0.1/32", true)]
    [InlineData("169.254.0.8", false)]
    [InlineData("169.254/16", false)]
    [InlineData("169.254.0.8/33", false)]
    [InlineData("::1/64", false)]
    public void Parses_ipv4_prefixes(string text, bool ok) => Assert.Equal(ok, Ipv4Prefix.TryParse(text, out _));
}
