namespace Fobnail.Token.Emulator.Network;

/// <summary>
/// How the firmware's coap-lite 0.11 reads a Content-Format option (Packet::get_content_format): the value must
/// fit a u16 and be one of the formats coap-lite knows, otherwise the option counts as absent — which the
/// token then treats as application/octet-stream (42).
/// </summary>
public static class FirmwareContentFormat
{
    public const ushort OptionNumber = 12;

    // coap-lite 0.11.1 ContentFormat::try_from.
    private static readonly HashSet<uint> Known =
    [
        0, 16, 17, 18, 19, 21, 22, 23, 40, 41, 42, 47, 50, 51, 52, 60, 61, 62, 63, 96, 97, 98, 101, 102,
        110, 111, 112, 113, 114, 115, 140, 256, 271, 272, 280, 281, 284, 285, 286, 287, 290, 291, 310, 311,
        320, 322, 340, 341, 432, 836, 10000, 10001, 10002, 11050, 11060, 11542, 11543, 11544, 20000, 30000,
    ];

    /// <param name="raw">The first Content-Format option's raw value, or null when there is none.</param>
    public static ushort? Decode(byte[]? raw)
    {
        if (raw == null || raw.Length > 2) return null;
        uint value = 0;
        foreach (byte b in raw) value = (value << 8) | b;
        return Known.Contains(value) ? (ushort)value : null;
    }
}
