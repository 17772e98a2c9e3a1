using System.Buffers.Binary;
using System.Text;

namespace Fobnail.Attester.Platform;

/// <summary>
/// Bounded parser of the SMBIOS entry point and structure table as Linux exposes them in
/// /sys/firmware/dmi/tables (SMBIOS spec DSP0134 §5.2, §6.1). It follows the reference attester's
/// <c>dmi_decode.c</c> walk (§6.2) so the strings are byte-identical: the first type 1 structure wins, a type 1
/// shorter than 8 bytes ends the search, the string set of a structure ends at a double NUL.
/// Throws only <see cref="SmbiosException"/> for malformed input.
/// </summary>
public static class SmbiosTable
{
    public const string DefaultDirectory = "/sys/firmware/dmi/tables";

    /// <summary>The reference reads at most 0x20 bytes of the entry point and needs at least 24.</summary>
    public const int EntryPointMaxSize = 0x20;
    public const int EntryPointMinSize = 24;

    /// <summary>Hard cap on the structure table (real tables are a few KiB; SMBIOS 3 allows up to 4 GiB).</summary>
    public const int MaxTableSize = 1024 * 1024;

    /// <summary>Cap on structures walked before giving up (a table of 4-byte structures within MaxTableSize).</summary>
    public const int MaxStructures = MaxTableSize / 4;

    public const string NotSpecified = "Not Specified";
    public const string BadIndex = "<BAD INDEX>";

    /// <summary>System Information structure type (DSP0134 §7.2).</summary>
    public const byte SystemInformationType = 1;

    /// <summary>Reads both files from <paramref name="directory"/> and parses them; null if there is no type 1.</summary>
    public static SmbiosSystemInformation? Read(string directory = DefaultDirectory)
    {
        byte[] entryPoint = ReadPrefix(Path.Combine(directory, "smbios_entry_point"), EntryPointMaxSize);
        int length = TableLength(entryPoint);
        byte[] table = ReadPrefix(Path.Combine(directory, "DMI"), length);
        return Parse(table, length);
    }

    /// <summary>Parses an entry point and a table already in memory.</summary>
    public static SmbiosSystemInformation? Parse(ReadOnlySpan<byte> entryPoint, ReadOnlySpan<byte> table) =>
        Parse(table, TableLength(entryPoint));

    /// <summary>
    /// The structure table length from the entry point: "_SM3_" (SMBIOS 3.x, 32-bit maximum size at 0x0C) or
    /// "_SM_" (2.x, 16-bit length of the intermediate "_DMI_" structure at 0x16). Checksums are not verified, like
    /// the reference.
    /// </summary>
    public static int TableLength(ReadOnlySpan<byte> entryPoint)
    {
        if (entryPoint.Length > EntryPointMaxSize)
            entryPoint = entryPoint[..EntryPointMaxSize];
        if (entryPoint.Length < EntryPointMinSize)
            throw new SmbiosException($"SMBIOS entry point is {entryPoint.Length} bytes, at least {EntryPointMinSize} expected");
        uint length;
        if (entryPoint.StartsWith("_SM3_"u8))
        {
            // The reference refuses an entry point claiming more than 0x20 bytes (its checksum would overrun).
            if (entryPoint[0x06] > EntryPointMaxSize)
                throw new SmbiosException($"SMBIOS 3 entry point length {entryPoint[0x06]} exceeds {EntryPointMaxSize}");
            length = BinaryPrimitives.ReadUInt32LittleEndian(entryPoint[0x0C..]);
        }
        else if (entryPoint.StartsWith("_SM_"u8))
        {
            length = BinaryPrimitives.ReadUInt16LittleEndian(entryPoint[0x16..]);
        }
        else
        {
            throw new SmbiosException("SMBIOS entry point has neither the _SM3_ nor the _SM_ anchor");
        }
        if (length > MaxTableSize)
            throw new SmbiosException($"SMBIOS structure table of {length} bytes exceeds the {MaxTableSize}-byte limit");
        return (int)length;
    }

    private static SmbiosSystemInformation? Parse(ReadOnlySpan<byte> table, int declaredLength)
    {
        // The reference clamps the declared length to what the file holds.
        int len = Math.Min(declaredLength, table.Length);
        table = table[..len];
        int pos = 0;
        for (int structures = 0; pos + 4 <= len; structures++)
        {
            if (structures >= MaxStructures)
                throw new SmbiosException($"more than {MaxStructures} SMBIOS structures");
            byte type = table[pos];
            byte length = table[pos + 1];
            if (type == SystemInformationType)
            {
                // DSP0134: type 1 is at least 8 bytes in 2.0; the reference stops searching on a shorter one.
                if (length < 0x08)
                    return null;
                if (pos + length > len)
                    throw new SmbiosException($"type 1 structure at offset {pos} ({length} bytes) runs past the table end ({len})");
                ReadOnlySpan<byte> structure = table[pos..];
                return new SmbiosSystemInformation(
                    DmiString(structure, length, structure[0x04]),
                    DmiString(structure, length, structure[0x05]),
                    DmiString(structure, length, structure[0x07]));
            }
            // Skip the formatted area, then the string set up to its double NUL (as dmidecode does).
            int next = pos + length;
            while (next + 1 < len && (table[next] != 0 || table[next + 1] != 0))
                next++;
            next += 2;
            if (next > len)
                break;
            pos = next;
        }
        return null;
    }

    /// <summary>
    /// String number <paramref name="index"/> of a structure (1-based, 0 = none), rendered as the reference's
    /// <c>dmi_string</c>: bytes outside 32..126 become '.'. The end of the table counts as a NUL.
    /// </summary>
    private static string DmiString(ReadOnlySpan<byte> structure, int formattedLength, byte index)
    {
        if (index == 0)
            return NotSpecified;
        int p = formattedLength;
        for (int s = index; s > 1 && At(structure, p) != 0; s--)
        {
            while (At(structure, p) != 0)
                p++;
            p++;
        }
        if (At(structure, p) == 0)
            return BadIndex;
        var sb = new StringBuilder();
        for (; At(structure, p) != 0; p++)
        {
            byte b = structure[p];
            sb.Append(b is < 32 or >= 127 ? '.' : (char)b);
        }
        return sb.ToString();
    }

    private static byte At(ReadOnlySpan<byte> s, int i) => i < s.Length ? s[i] : (byte)0;

    private static byte[] ReadPrefix(string path, int max)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
            byte[] buffer = new byte[max];
            int total = 0, n;
            while (total < max && (n = stream.Read(buffer, total, max - total)) > 0)
                total += n;
            return buffer[..total];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SmbiosException($"cannot read {path}: {e.Message}");
        }
    }
}
