using System.Globalization;

namespace Fobnail.Netlink.Matching;

/// <summary>A USB idVendor:idProduct pair, written as hex "1234:4321".</summary>
public readonly record struct UsbId(ushort idVendor, ushort idProduct)
{
    public static bool TryParse(string text, out UsbId id)
    {
        id = default;
        var parts = text.Split(':');
        if (parts.Length != 2 || parts[0].Length != 4 || parts[1].Length != 4) return false;
        if (!ushort.TryParse(parts[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v)) return false;
        if (!ushort.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var p)) return false;
        id = new UsbId(v, p);
        return true;
    }

    public override string ToString() => $"{idVendor:x4}:{idProduct:x4}";
}
