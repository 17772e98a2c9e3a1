namespace Fobnail.Token.Usb.UsbRedir;

/// <summary>A usbredir packet as read from the wire: its id and its type-specific header fields.</summary>
public abstract record UsbRedirPacket(UsbRedirType Type, ulong Id);

public sealed record HelloPacket(ulong Id, string Version, uint Capabilities) : UsbRedirPacket(UsbRedirType.Hello, Id);

public sealed record SetConfigurationPacket(ulong Id, byte Configuration) : UsbRedirPacket(UsbRedirType.SetConfiguration, Id);

public sealed record SetAltSettingPacket(ulong Id, byte Interface, byte Alt) : UsbRedirPacket(UsbRedirType.SetAltSetting, Id);

public sealed record GetAltSettingPacket(ulong Id, byte Interface) : UsbRedirPacket(UsbRedirType.GetAltSetting, Id);

/// <summary>usb_redir_control_packet_header: a SETUP packet (bmRequestType, bRequest, wValue, wIndex, wLength) and, for OUT, its data.</summary>
public sealed record ControlPacket(ulong Id, byte Endpoint, byte Request, byte RequestType, UsbRedirStatus Status,
    ushort Value, ushort Index, ushort Length, byte[] Data) : UsbRedirPacket(UsbRedirType.ControlPacket, Id)
{
    public bool IsIn => (RequestType & 0x80) != 0;
}

/// <summary>usb_redir_bulk_packet_header: for IN the length wanted, for OUT the data.</summary>
public sealed record BulkPacket(ulong Id, byte Endpoint, UsbRedirStatus Status, uint Length, uint StreamId, byte[] Data)
    : UsbRedirPacket(UsbRedirType.BulkPacket, Id)
{
    public bool IsIn => (Endpoint & 0x80) != 0;
}

/// <summary>Any other packet: the token has no iso or interrupt endpoints and no streams, so these are refused or ignored.</summary>
public sealed record OtherPacket(UsbRedirType RawType, ulong Id, byte[] TypeHeader, byte[] Data) : UsbRedirPacket(RawType, Id);
