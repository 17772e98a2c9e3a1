using System.Buffers.Binary;

namespace Fobnail.Token.Usb.Eem;

/// <summary>Builds the EEM packets the token sends on its bulk IN endpoint.</summary>
public static class EemEncoder
{
    /// <summary>
    /// An Ethernet frame as one EEM data packet. The firmware (usbd-ethernet) always sends bmCRC 0 with the
    /// sentinel bytes DE AD BE EF; <paramref name="withCrc"/> sends the real CRC-32 instead.
    /// </summary>
    public static byte[] Data(ReadOnlySpan<byte> frame, bool withCrc = false)
    {
        if (frame.Length > 0x3fff - EemFormat.CrcLength) throw new ArgumentException($"frame of {frame.Length} bytes does not fit an EEM packet", nameof(frame));
        var packet = new byte[EemFormat.HeaderLength + frame.Length + EemFormat.CrcLength];
        BinaryPrimitives.WriteUInt16LittleEndian(packet, EemFormat.DataHeader(frame.Length, withCrc));
        frame.CopyTo(packet.AsSpan(EemFormat.HeaderLength));
        var check = packet.AsSpan(EemFormat.HeaderLength + frame.Length);
        if (withCrc) BinaryPrimitives.WriteUInt32LittleEndian(check, System.IO.Hashing.Crc32.HashToUInt32(frame));
        else BinaryPrimitives.WriteUInt32BigEndian(check, EemFormat.Sentinel);
        return packet;
    }

    /// <summary>The answer to an Echo command: an Echo Response with the same payload.</summary>
    public static byte[] EchoResponse(ReadOnlySpan<byte> payload) => Command(EemCommand.EchoResponse, payload);

    public static byte[] Command(EemCommand command, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > 0x7ff) throw new ArgumentException($"EEM command payload of {payload.Length} bytes is too long", nameof(payload));
        var packet = new byte[EemFormat.HeaderLength + payload.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(packet, EemFormat.CommandHeader(command, payload.Length));
        payload.CopyTo(packet.AsSpan(EemFormat.HeaderLength));
        return packet;
    }
}
