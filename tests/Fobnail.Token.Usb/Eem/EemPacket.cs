namespace Fobnail.Token.Usb.Eem;

// CDC EEM 1.0 (USB Communications Class Subclass Specification for Ethernet Emulation Model Devices): every EEM
// packet starts with a 16-bit little-endian header. bmType (bit 15) 0 = data packet: bmCRC (bit 14) says whether
// the last 4 bytes are the frame's CRC-32 (1) or the sentinel 0xDEADBEEF (0), bits 0-13 the length of the frame
// plus those 4 bytes; a data packet of length 0 is the zero-length EEM packet (padding). bmType 1 = command
// packet: bmEEMCmd in bits 11-13, its parameter in bits 0-10 (for Echo and Echo Response the payload length).

public enum EemCommand : byte
{
    Echo = 0,
    EchoResponse = 1,
    SuspendHint = 2,
    ResponseHint = 3,
    ResponseCompleteHint = 4,
    Tickle = 5,
}

/// <summary>What one EEM packet was, as decoded (including the ones that were dropped, for the trace).</summary>
public abstract record EemPacket;

/// <summary>A data packet carrying an Ethernet frame whose check value was good (or was the sentinel).</summary>
public sealed record EemFrame(byte[] Frame, bool WithCrc) : EemPacket;

/// <summary>A zero-length EEM packet (the header 0x0000 a sender adds so a transfer does not end on a full USB packet).</summary>
public sealed record EemZeroLength : EemPacket;

/// <summary>A command packet; <see cref="Payload"/> is set for Echo and Echo Response.</summary>
public sealed record EemCommandPacket(EemCommand Command, ushort Parameter, byte[] Payload) : EemPacket;

/// <summary>A packet that was dropped, and why (bad CRC, runt, giant, reserved command).</summary>
public sealed record EemDropped(string Reason, int Length) : EemPacket;

public static class EemFormat
{
    public const int HeaderLength = 2;
    public const int CrcLength = 4;
    public const uint Sentinel = 0xDEADBEEF;

    /// <summary>Smallest Ethernet frame with a header (destination, source, EtherType), without FCS.</summary>
    public const int MinFrameLength = 14;

    /// <summary>Largest Ethernet frame accepted: 1500-byte payload, header and one 802.1Q tag, without FCS.</summary>
    public const int MaxFrameLength = 1518;

    /// <summary>An EEM data packet header for a frame of <paramref name="frameLength"/> bytes plus its CRC field.</summary>
    public static ushort DataHeader(int frameLength, bool withCrc) =>
        (ushort)((withCrc ? 0x4000 : 0) | (frameLength + CrcLength));

    public static ushort CommandHeader(EemCommand command, int parameter) =>
        (ushort)(0x8000 | ((int)command << 11) | (parameter & 0x7ff));
}
