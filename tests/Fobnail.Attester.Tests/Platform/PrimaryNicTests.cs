using Fobnail.Attester.Platform;

namespace Fobnail.Attester.Tests.Platform;

public class PrimaryNicTests
{
    /// <summary>The reference's BDF reading (§6.2): atoi per field, the bus from its second character.</summary>
    [Theory]
    [InlineData("0000:00:19.0", (0 << 16) | (19 << 8) | 0)]
    [InlineData("0000:00:1f.6", (0 << 16) | (1 << 8) | 6)]  // device "1f" reads as 1
    [InlineData("0000:12:00.0", 2 << 16)]                    // bus "12" reads as 2 (second character on)
    [InlineData("0000:0a:00.1", (0 << 16) | 1)]              // bus "0a" reads as 0
    [InlineData("0000:03:00.0", 3 << 16)]
    [InlineData("0000:00:00.0", 0)]                          // 0 = "none" in the reference
    public void Bdf_is_read_with_the_reference_quirks(string bdf, int key) =>
        Assert.Equal(key, PciBdf.ReferenceKey(bdf));

    [Theory]
    [InlineData("pci0000:00")]
    [InlineData("0000:00:03")]
    [InlineData("usb1")]
    public void Non_bdf_names_have_no_key(string name) => Assert.Null(PciBdf.ReferenceKey(name));

    [Theory]
    [InlineData("12", 12)]
    [InlineData("1f", 1)]
    [InlineData("a", 0)]
    [InlineData("", 0)]
    [InlineData(" 7x", 7)]
    [InlineData("-3", -3)]
    public void Atoi_behaves_like_C(string s, int value) => Assert.Equal(value, PciBdf.Atoi(s));

    private sealed class FakeSysfs : IDisposable
    {
        public FakeSysfs()
        {
            Root = Directory.CreateTempSubdirectory("fobnail-sysfs-").FullName;
            Directory.CreateDirectory(Path.Combine(Root, "class", "net"));
        }

        public string Root { get; }

        public void Nic(string name, string devicePath, string mac)
        {
            string dir = Path.Combine(Root, devicePath.TrimStart('/'), "net", name);
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "address"), mac + "\n");
            // Like sysfs: /sys/class/net/NAME -> ../../devices/.../net/NAME
            File.CreateSymbolicLink(Path.Combine(Root, "class", "net", name), Path.Combine("..", "..", devicePath.TrimStart('/'), "net", name));
        }

        public void Dispose() => Directory.Delete(Root, true);
    }

    [Fact]
    public void The_smallest_reference_key_wins_and_usb_and_virtual_are_skipped()
    {
        using var sys = new FakeSysfs();
        sys.Nic("lo", "devices/virtual", "00:00:00:00:00:00");
        sys.Nic("enx", "devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0", "02:00:00:00:00:01");   // the token's EEM
        sys.Nic("enp3s0", "devices/pci0000:00/0000:00:1c.0/0000:03:00.0", "52:54:00:00:00:03");
        sys.Nic("eno1", "devices/pci0000:00/0000:00:1f.6", "52:54:00:00:00:1f");                  // key 0x000106
        sys.Nic("enp12s0", "devices/pci0000:00/0000:00:1d.0/0000:12:00.0", "52:54:00:00:00:12");  // key 2<<16
        PrimaryNicChoice choice = PrimaryNic.Find(sys.Root)!;
        Assert.Equal("eno1", choice.Interface);
        Assert.Equal(new byte[] { 0x52, 0x54, 0, 0, 0, 0x1f }, choice.Mac);
    }

    [Fact]
    public void The_bus_quirk_can_pick_a_higher_real_bus()
    {
        using var sys = new FakeSysfs();
        sys.Nic("enp3s0", "devices/pci0000:00/0000:00:1c.0/0000:03:00.0", "52:54:00:00:00:03"); // key 3<<16
        sys.Nic("enp18s0", "devices/pci0000:00/0000:00:1d.0/0000:12:00.0", "52:54:00:00:00:12"); // bus 0x12 read as 2
        Assert.Equal("enp18s0", PrimaryNic.Find(sys.Root)!.Interface);
    }

    [Fact]
    public void Bdf_00_00_0_counts_as_none_and_no_pci_nic_gives_null()
    {
        using var sys = new FakeSysfs();
        sys.Nic("eth0", "devices/pci0000:00/0000:00:00.0", "52:54:00:00:00:00");
        sys.Nic("usb0", "devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0", "02:00:00:00:00:01");
        Assert.Null(PrimaryNic.Find(sys.Root));
    }

    [Fact]
    public void Virtio_net_uses_the_pci_function_above_the_virtio_device()
    {
        using var sys = new FakeSysfs();
        sys.Nic("eth0", "devices/pci0000:00/0000:00:03.0/virtio2", "52:54:00:00:00:03");
        PrimaryNicChoice choice = PrimaryNic.Find(sys.Root)!;
        Assert.Equal("0000:00:03.0", choice.PciFunction);
        Assert.Equal(3 << 8, choice.ReferenceKey);
    }

    /// <summary>The real /sys of this host: the choice agrees with the kernel's view of that interface (ip link).</summary>
    [Fact]
    public void This_hosts_sysfs_gives_a_pci_nic_whose_mac_matches_ip_link()
    {
        PrimaryNicChoice? choice = PrimaryNic.Find("/sys");
        Assert.NotNull(choice);
        string line = Command.Output("ip", "-o", "link", "show", "dev", choice.Interface);
        string mac = string.Join(':', choice.Mac.Select(b => b.ToString("x2")));
        Assert.Contains("link/ether " + mac, line);
        Assert.DoesNotContain("usb", choice.PciFunction);
    }

    [Fact]
    public void Parses_sysfs_mac_text()
    {
        Assert.Equal(new byte[] { 0xAA, 0xBB, 0xCC, 0, 1, 0xFF }, PrimaryNic.ParseMac("aa:bb:cc:00:01:ff\n"));
        Assert.Null(PrimaryNic.ParseMac("aa:bb:cc:00:01"));
        Assert.Null(PrimaryNic.ParseMac("aa:bb:cc:00:01:gg"));
    }
}
