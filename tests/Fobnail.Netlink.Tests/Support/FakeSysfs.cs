namespace Fobnail.Netlink.Tests.Support;

/// <summary>
/// A fake sysfs tree laid out like the real one, with the same relative symlinks:
/// class/net/IF → ../../devices/.../usbN/N-P/N-P:1.0/net/IF, and IF/device → ../../../N-P:1.0.
/// </summary>
internal sealed class FakeSysfs : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("fake-sysfs-").FullName;
    private int _port;

    public FakeSysfs()
    {
        Directory.CreateDirectory(Path.Combine(Root, "class", "net"));
        Directory.CreateDirectory(Path.Combine(Root, "devices", "virtual", "net"));
    }

    /// <summary>Adds a USB network interface: device idVendor/idProduct, interface class triple, bound driver.</summary>
    public void AddUsbNic(string ifName, string vid, string pid, string cls, string sub, string proto, string? driver)
    {
        int port = ++_port;
        string usbDev = $"devices/pci0000:00/0000:00:14.0/usb1/1-{port}";
        string iface = $"{usbDev}/1-{port}:1.0";
        Write($"{usbDev}/idVendor", vid);
        Write($"{usbDev}/idProduct", pid);
        Write($"{iface}/bInterfaceClass", cls);
        Write($"{iface}/bInterfaceSubClass", sub);
        Write($"{iface}/bInterfaceProtocol", proto);
        if (driver is not null)
        {
            Directory.CreateDirectory(Path.Combine(Root, "bus", "usb", "drivers", driver));
            Link($"{iface}/driver", $"../../../../../../bus/usb/drivers/{driver}");
        }
        Directory.CreateDirectory(Path.Combine(Root, iface, "net", ifName));
        Link($"{iface}/net/{ifName}/device", $"../../../1-{port}:1.0");
        Link($"class/net/{ifName}", $"../../{iface}/net/{ifName}");
    }

    /// <summary>A PCI NIC: the device has vendor/device files but no USB descriptors.</summary>
    public void AddPciNic(string ifName)
    {
        string dev = "devices/pci0000:00/0000:00:03.0";
        Write($"{dev}/vendor", "0x8086");
        Directory.CreateDirectory(Path.Combine(Root, dev, "net", ifName));
        Link($"{dev}/net/{ifName}/device", "../../../0000:00:03.0");
        Link($"class/net/{ifName}", $"../../{dev}/net/{ifName}");
    }

    /// <summary>A virtual interface (veth, dummy): no device link.</summary>
    public void AddVirtual(string ifName)
    {
        Directory.CreateDirectory(Path.Combine(Root, "devices", "virtual", "net", ifName));
        Link($"class/net/{ifName}", $"../../devices/virtual/net/{ifName}");
    }

    public void Remove(string ifName) => File.Delete(Path.Combine(Root, "class", "net", ifName));

    private void Write(string rel, string value)
    {
        string path = Path.Combine(Root, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, value + "\n");
    }

    private void Link(string rel, string target)
    {
        string path = Path.Combine(Root, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.CreateSymbolicLink(path, target);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
