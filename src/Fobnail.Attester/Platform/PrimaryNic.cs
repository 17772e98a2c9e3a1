using System.Globalization;

namespace Fobnail.Attester.Platform;

/// <summary>The network interface the reference algorithm picked, and its MAC.</summary>
public sealed record PrimaryNicChoice(string Interface, string PciFunction, int ReferenceKey, byte[] Mac);

/// <summary>
/// The MAC of the "primary PCI NIC" exactly as the reference attester chooses it (§6.2, <c>get_mac_addr</c>):
/// /sys/class/net entries whose link target does not contain "virtual", whose real path starts with
/// /sys/devices/pci and does not contain "usb" (that excludes the Fobnail token's own USB EEM interface); the
/// smallest <see cref="PciBdf.ReferenceKey"/> wins, the first in directory order on a tie, and a key of 0 counts
/// as "none" (reference bug). The MAC is read from the interface's sysfs <c>address</c> (the same bytes
/// SIOCGIFHWADDR returns for Ethernet). The sysfs root is injectable for tests.
/// </summary>
public static class PrimaryNic
{
    /// <summary>Bound on interfaces examined (a PID 1 must not walk an unbounded directory).</summary>
    public const int MaxInterfaces = 4096;

    public static PrimaryNicChoice? Find(string sysfsRoot = "/sys")
    {
        string root = Path.GetFullPath(sysfsRoot).TrimEnd('/');
        string classNet = Path.Combine(root, "class", "net");
        if (!Directory.Exists(classNet))
            return null;
        PrimaryNicChoice? best = null;
        int examined = 0;
        foreach (string entry in Directory.EnumerateFileSystemEntries(classNet))
        {
            if (++examined > MaxInterfaces)
                break;
            var info = new FileInfo(entry);
            string? link = info.LinkTarget;
            if (link is null || link.Contains("virtual", StringComparison.Ordinal))
                continue;
            string? real = RealPath(entry);
            if (real is null || !real.StartsWith(root + "/devices/pci", StringComparison.Ordinal) || real.Contains("usb", StringComparison.Ordinal))
                continue;
            string relative = real[root.Length..];
            int net = relative.LastIndexOf("/net/", StringComparison.Ordinal);
            if (net < 0)
                continue;
            // The deepest PCI function in the path: usually the component right before /net/; for virtio-net
            // it is the parent of "virtioN" (the reference's format assumption "DDDD:BB:DD.F" only holds for PCI
            // functions, so we take the nearest one above the interface).
            string? device = relative[..net].Split('/').LastOrDefault(c => PciBdf.ReferenceKey(c) is not null);
            if (device is null || PciBdf.ReferenceKey(device) is not int key || key == 0)
                continue;
            if (best is not null && key >= best.ReferenceKey)
                continue;
            byte[]? mac = ReadMac(Path.Combine(entry, "address"));
            if (mac is null)
                continue;
            best = new PrimaryNicChoice(Path.GetFileName(entry), device, key, mac);
        }
        return best;
    }

    /// <summary>Parses "aa:bb:cc:dd:ee:ff" (the sysfs address format).</summary>
    public static byte[]? ParseMac(string text)
    {
        string[] parts = text.Trim().Split(':');
        if (parts.Length != 6)
            return null;
        byte[] mac = new byte[6];
        for (int i = 0; i < 6; i++)
            if (parts[i].Length != 2 || !byte.TryParse(parts[i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out mac[i]))
                return null;
        return mac;
    }

    private static byte[]? ReadMac(string path)
    {
        try
        {
            using var reader = new StreamReader(path);
            char[] buffer = new char[64];
            int n = reader.ReadBlock(buffer, 0, buffer.Length);
            return ParseMac(new string(buffer, 0, n));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? RealPath(string path)
    {
        try
        {
            // Resolve every symlink component, like realpath(3).
            FileSystemInfo? target = new DirectoryInfo(path).ResolveLinkTarget(returnFinalTarget: true);
            string resolved = target?.FullName ?? path;
            return ResolveComponents(resolved);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string ResolveComponents(string path)
    {
        // sysfs device paths contain no further links in practice; resolve each component anyway, bounded.
        string current = "/";
        int hops = 0;
        foreach (string part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            string next = Path.Combine(current, part);
            var info = new DirectoryInfo(next);
            if (info.LinkTarget is not null && hops++ < 40)
                next = info.ResolveLinkTarget(true)?.FullName ?? next;
            current = next;
        }
        return current;
    }
}
