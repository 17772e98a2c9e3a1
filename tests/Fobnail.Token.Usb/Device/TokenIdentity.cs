using System.Text;

namespace Fobnail.Token.Usb.Device;

/// <summary>
/// The USB identity the twin presents. The defaults are the Fobnail Token's (fobnail/fobnail @ 7038cb3,
/// pal/pal_nrf/src/usb/mod.rs with usb-device 0.2.8 and usbd-ethernet): VID:PID 1234:4321, strings "Fobnail",
/// "Fobnail", "TEST", device class 0, EP0 64 bytes, full speed, one CDC EEM interface (02/0c/07, string
/// "Virtual Ethernet interface") with two 64-byte bulk endpoints. The interface class can be changed to make a
/// BadUSB look-alike: the token's VID:PID on an interface that is not EEM.
/// </summary>
public sealed record TokenIdentity
{
    public ushort VendorId { get; init; } = 0x1234;
    public ushort ProductId { get; init; } = 0x4321;
    /// <summary>bcdDevice: usb-device's default device_release.</summary>
    public ushort DeviceRelease { get; init; } = 0x0010;
    public string Manufacturer { get; init; } = "Fobnail";
    public string Product { get; init; } = "Fobnail";
    public string SerialNumber { get; init; } = "TEST";
    public string InterfaceName { get; init; } = "Virtual Ethernet interface";
    public byte InterfaceClass { get; init; } = 0x02;      // Communications
    public byte InterfaceSubClass { get; init; } = 0x0c;   // Ethernet Emulation Model
    public byte InterfaceProtocol { get; init; } = 0x07;   // EEM

    public const byte MaxPacketSize0 = 64;
    public const ushort BulkMaxPacketSize = 64;
    public const byte ConfigurationValue = 1;
    public const byte InterfaceNumber = 0;
    /// <summary>usbd-ethernet allocates IN then OUT; the nRF52840 USBD driver gives each the lowest free number.</summary>
    public const byte BulkIn = 0x81;
    public const byte BulkOut = 0x01;
    /// <summary>usb-device hands out string indices from 4 after manufacturer (1), product (2) and serial (3).</summary>
    public const byte InterfaceStringIndex = 4;
    public const ushort LangIdEnglishUs = 0x0409;

    /// <summary>The device descriptor (usb-device 0.2.8 writes bcdUSB 2.10).</summary>
    public byte[] DeviceDescriptor() =>
    [
        18, 0x01, 0x10, 0x02, 0x00, 0x00, 0x00, MaxPacketSize0,
        (byte)VendorId, (byte)(VendorId >> 8), (byte)ProductId, (byte)(ProductId >> 8),
        (byte)DeviceRelease, (byte)(DeviceRelease >> 8), 1, 2, 3, 1,
    ];

    /// <summary>Configuration 1: bus powered, 100 mA (usb-device's defaults), the interface, bulk IN then bulk OUT.</summary>
    public byte[] ConfigurationDescriptor() =>
    [
        9, 0x02, 32, 0, 1, ConfigurationValue, 0, 0x80, 50,
        9, 0x04, InterfaceNumber, 0, 2, InterfaceClass, InterfaceSubClass, InterfaceProtocol, InterfaceStringIndex,
        7, 0x05, BulkIn, 0x02, (byte)BulkMaxPacketSize, BulkMaxPacketSize >> 8, 0,
        7, 0x05, BulkOut, 0x02, (byte)BulkMaxPacketSize, BulkMaxPacketSize >> 8, 0,
    ];

    /// <summary>The BOS descriptor a bcdUSB 2.10 device has; usb-device writes one USB 2.0 Extension capability with no features.</summary>
    public static byte[] BosDescriptor() => [5, 0x0f, 12, 0, 1, 7, 0x10, 0x02, 0, 0, 0, 0];

    /// <summary>String descriptor <paramref name="index"/>, or null (the device stalls) when there is none.</summary>
    public byte[]? StringDescriptor(byte index, ushort langId)
    {
        string? s = index switch
        {
            0 => null,
            1 => Manufacturer,
            2 => Product,
            3 => SerialNumber,
            // usbd-ethernet answers its interface string only for US English.
            InterfaceStringIndex when langId == LangIdEnglishUs => InterfaceName,
            _ => null,
        };
        if (index == 0) return [4, 0x03, LangIdEnglishUs & 0xff, LangIdEnglishUs >> 8];
        if (s is null) return null;
        byte[] utf16 = Encoding.Unicode.GetBytes(s);
        return [(byte)(2 + utf16.Length), 0x03, .. utf16];
    }

    public override string ToString() =>
        $"{VendorId:x4}:{ProductId:x4} \"{Manufacturer}\" \"{Product}\" serial \"{SerialNumber}\" interface {InterfaceClass:x2}/{InterfaceSubClass:x2}/{InterfaceProtocol:x2}";
}
