using System.Globalization;

namespace Fobnail.Netlink.Matching;

/// <summary>A USB interface descriptor's bInterfaceClass/bInterfaceSubClass/bInterfaceProtocol, written "02/0c/07".</summary>
public readonly record struct UsbInterfaceClass(byte bInterfaceClass, byte bInterfaceSubClass, byte bInterfaceProtocol)
{
    /// <summary>CDC (02), Ethernet Emulation Model subclass (0c), EEM protocol (07): the Fobnail Token.</summary>
    public static UsbInterfaceClass CdcEem { get; } = new(0x02, 0x0c, 0x07);

    public static bool TryParse(string text, out UsbInterfaceClass value)
    {
        value = default;
        var parts = text.Split('/');
        if (parts.Length != 3) return false;
        var b = new byte[3];
        for (int i = 0; i < 3; i++)
            if (parts[i].Length != 2 || !byte.TryParse(parts[i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out b[i]))
                return false;
        value = new UsbInterfaceClass(b[0], b[1], b[2]);
        return true;
    }

    public override string ToString() => $"{bInterfaceClass:x2}/{bInterfaceSubClass:x2}/{bInterfaceProtocol:x2}";
}
