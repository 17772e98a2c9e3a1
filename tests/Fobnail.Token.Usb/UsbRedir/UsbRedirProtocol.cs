namespace Fobnail.Token.Usb.UsbRedir;

// Names and numbers of the usbredir protocol 0.7 (usbredirproto.h of libusbredirparser): the wire format QEMU's
// usb-redir device ("usb-guest") speaks over a chardev to the side that owns the device ("usb-host"), which is us.

/// <summary>Packet types (usb_redir_*). Below 100 control packets, from 100 data packets.</summary>
public enum UsbRedirType : uint
{
    Hello = 0,
    DeviceConnect = 1,
    DeviceDisconnect = 2,
    Reset = 3,
    InterfaceInfo = 4,
    EpInfo = 5,
    SetConfiguration = 6,
    GetConfiguration = 7,
    ConfigurationStatus = 8,
    SetAltSetting = 9,
    GetAltSetting = 10,
    AltSettingStatus = 11,
    StartIsoStream = 12,
    StopIsoStream = 13,
    IsoStreamStatus = 14,
    StartInterruptReceiving = 15,
    StopInterruptReceiving = 16,
    InterruptReceivingStatus = 17,
    AllocBulkStreams = 18,
    FreeBulkStreams = 19,
    BulkStreamsStatus = 20,
    CancelDataPacket = 21,
    FilterReject = 22,
    FilterFilter = 23,
    DeviceDisconnectAck = 24,
    StartBulkReceiving = 25,
    StopBulkReceiving = 26,
    BulkReceivingStatus = 27,
    ControlPacket = 100,
    BulkPacket = 101,
    IsoPacket = 102,
    InterruptPacket = 103,
    BufferedBulkPacket = 104,
}

/// <summary>Transfer status (usb_redir_success ...).</summary>
public enum UsbRedirStatus : byte
{
    Success = 0,
    Cancelled = 1,
    Inval = 2,
    IoError = 3,
    Stall = 4,
    Timeout = 5,
    Babble = 6,
}

/// <summary>Device speeds (usb_redir_speed_*).</summary>
public enum UsbRedirSpeed : byte { Low = 0, Full = 1, High = 2, Super = 3 }

/// <summary>Capability bits (usb_redir_cap_*), bit N of the 32-bit capability word(s) in hello.</summary>
public enum UsbRedirCap
{
    BulkStreams = 0,
    ConnectDeviceVersion = 1,
    Filter = 2,
    DeviceDisconnectAck = 3,
    EpInfoMaxPacketSize = 4,
    Ids64Bits = 5,
    BulkLength32Bits = 6,
    BulkReceiving = 7,
}

/// <summary>
/// What both ends agreed on. usbredirparser sizes a header field only when both ends have its capability, and
/// before the peer's hello arrived nothing is agreed (so hello itself always travels with 32-bit ids).
/// </summary>
public sealed record UsbRedirSettings(uint OurCaps, uint PeerCaps, bool HavePeerHello)
{
    /// <summary>The capabilities this device server announces: what QEMU needs to put a device behind xHCI.</summary>
    public const uint DefaultCaps =
        1u << (int)UsbRedirCap.ConnectDeviceVersion | 1u << (int)UsbRedirCap.EpInfoMaxPacketSize |
        1u << (int)UsbRedirCap.Ids64Bits | 1u << (int)UsbRedirCap.BulkLength32Bits;

    public static UsbRedirSettings Initial { get; } = new(DefaultCaps, 0, false);

    public bool Both(UsbRedirCap cap) => HavePeerHello && (OurCaps & PeerCaps & (1u << (int)cap)) != 0;

    public int HeaderLength => Both(UsbRedirCap.Ids64Bits) ? 16 : 12;
}

/// <summary>Thrown for a packet that breaks the protocol or a limit; the session ends with this message.</summary>
public sealed class UsbRedirProtocolException(string message) : Exception(message);
