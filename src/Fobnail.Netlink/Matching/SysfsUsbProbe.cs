using System.Globalization;
using System.Runtime.InteropServices;
using Fobnail.Linux;

namespace Fobnail.Netlink.Matching;

/// <summary>
/// Finds the USB device behind a network interface: /sys/class/net/IF/device is the USB interface
/// (bInterfaceClass..., driver link); its ancestors include the USB device (idVendor, idProduct).
/// The sysfs root is injectable so tests can use fake trees with the same relative symlinks.
/// </summary>
public sealed class SysfsUsbProbe(string sysfsRoot = "/sys")
{
    /// <summary>sysfs attributes we read are a few bytes; anything longer is not what we expect.</summary>
    private const int MaxAttributeBytes = 256;

    public string SysfsRoot { get; } = Path.GetFullPath(sysfsRoot);

    /// <summary>Returns the identity, or null with the reason why the interface is not a USB network function.</summary>
    public UsbNetIdentity? Probe(string ifName, out string reason)
    {
        if (ifName.Length == 0 || ifName.Contains('/') || ifName is "." or "..")
        {
            reason = $"'{ifName}' is not a valid interface name";
            return null;
        }
        string deviceLink = Path.Combine(SysfsRoot, "class", "net", ifName, "device");
        string? iface = RealPath(deviceLink);
        if (iface is null)
        {
            reason = "no device link in sysfs (a virtual interface, not hardware)";
            return null;
        }
        if (!IsUnderRoot(iface))
        {
            reason = $"device link resolves outside {SysfsRoot}";
            return null;
        }
        byte? cls = ReadHex8(iface, "bInterfaceClass"), sub = ReadHex8(iface, "bInterfaceSubClass"), proto = ReadHex8(iface, "bInterfaceProtocol");
        if (cls is null || sub is null || proto is null)
        {
            reason = $"device {Path.GetFileName(iface)} is not a USB interface";
            return null;
        }

        // The USB device is the nearest ancestor with idVendor/idProduct (normally the direct parent).
        UsbId? id = null;
        for (string? dir = Path.GetDirectoryName(iface); dir is not null && IsUnderRoot(dir) && dir != SysfsRoot; dir = Path.GetDirectoryName(dir))
        {
            ushort? v = ReadHex16(dir, "idVendor"), p = ReadHex16(dir, "idProduct");
            if (v is not null && p is not null)
            {
                id = new UsbId(v.Value, p.Value);
                break;
            }
        }
        if (id is null)
        {
            reason = $"no USB device (idVendor/idProduct) above {Path.GetFileName(iface)}";
            return null;
        }
        string? driverDir = RealPath(Path.Combine(iface, "driver"));
        reason = "";
        return new UsbNetIdentity(id.Value, new UsbInterfaceClass(cls.Value, sub.Value, proto.Value),
            driverDir is null ? null : Path.GetFileName(driverDir), iface);
    }

    private bool IsUnderRoot(string path) =>
        SysfsRoot == "/" || path == SysfsRoot || path.StartsWith(SysfsRoot + "/", StringComparison.Ordinal);

    private static byte? ReadHex8(string dir, string name) =>
        byte.TryParse(ReadAttribute(dir, name), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static ushort? ReadHex16(string dir, string name) =>
        ushort.TryParse(ReadAttribute(dir, name), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static string? ReadAttribute(string dir, string name)
    {
        try
        {
            using var f = new FileStream(Path.Combine(dir, name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            var buf = new byte[MaxAttributeBytes];
            int n = f.Read(buf);
            return System.Text.Encoding.ASCII.GetString(buf, 0, n).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>realpath(3): sysfs links are relative to the link's real directory, which only the kernel resolves right.</summary>
    private static unsafe string? RealPath(string path)
    {
        var buf = stackalloc byte[Sys.PATH_MAX];
        fixed (byte* p = Sys.CString(path))
            return Sys.realpath(p, buf) is null ? null : Marshal.PtrToStringUTF8((nint)buf);
    }
}
