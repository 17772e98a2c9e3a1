namespace Fobnail.Token.Usb.Eem;

/// <summary>
/// The Ethernet frame check sequence (IEEE 802.3 CRC-32, reflected polynomial 0xEDB88320, initial value and final
/// XOR 0xFFFFFFFF) that an EEM data packet with bmCRC set carries, least significant byte first.
/// </summary>
public static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        return table;
    }

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data) crc = Table[(crc ^ b) & 0xff] ^ (crc >> 8);
        return ~crc;
    }
}
