namespace Fobnail.Attester.Platform;

/// <summary>
/// The reference attester's reading of a PCI address "DDDD:BB:DD.F" (§6.2), bugs included, because the chosen
/// NIC's MAC is part of the platform ID and must match platforms provisioned by the C attester: every field is
/// read with C <c>atoi</c> (decimal, stops at the first non-digit), and the bus field from its SECOND character.
/// So bus "12" reads as 2, bus "0a" as 0, device "1f" as 1.
/// </summary>
public static class PciBdf
{
    /// <summary>The reference's ordering key bus&lt;&lt;16 | dev&lt;&lt;8 | fn, or null if the text has no "x:y:z.w" shape.</summary>
    public static int? ReferenceKey(string bdf)
    {
        string[] parts = bdf.Split(':');
        if (parts.Length != 3)
            return null;
        int dot = parts[2].IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
            return null;
        string bus = parts[1];
        int busValue = Atoi(bus.Length > 0 ? bus[1..] : bus);
        int device = Atoi(parts[2][..dot]);
        int function = Atoi(parts[2][(dot + 1)..]);
        return (busValue << 16) | (device << 8) | function;
    }

    /// <summary>C atoi: optional leading whitespace and sign, then decimal digits; no digits gives 0. Bounded to int.</summary>
    public static int Atoi(string s)
    {
        int i = 0;
        while (i < s.Length && s[i] is ' ' or '\t' or '\n' or '\v' or '\f' or '\r')
            i++;
        bool negative = false;
        if (i < s.Length && s[i] is '+' or '-')
            negative = s[i++] == '-';
        long value = 0;
        for (; i < s.Length && s[i] is >= '0' and <= '9'; i++)
            value = Math.Min(value * 10 + (s[i] - '0'), int.MaxValue);
        return (int)(negative ? -value : value);
    }
}
