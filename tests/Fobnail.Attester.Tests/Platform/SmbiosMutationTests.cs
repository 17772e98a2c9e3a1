using System.Diagnostics;
using Fobnail.Attester.Platform;

namespace Fobnail.Attester.Tests.Platform;

/// <summary>
/// Randomized inputs (fixed seeds, fixed case counts): the SMBIOS parser returns or throws SmbiosException,
/// nothing else, and every case finishes quickly (a firmware table must never hang or crash PID 1).
/// </summary>
public class SmbiosMutationTests
{
    private const int Cases = 20000;

    private static byte[] Seed()
    {
        var b = new SmbiosBuilder().Structure(0, [1, 2, 0, 3, 0, 0, 0, 0], "American Megatrends", "1.2.3", "01/02/2023")
            .SystemInformation("Dell Inc.", "OptiPlex 7090", "ABC1234")
            .Structure(2, [1, 2, 3, 4], "Dell", "0XYZ", "A00", "/ABC/")
            .Structure(4, new byte[30], "CPU").End();
        return b.Table;
    }

    private static void Check(byte[] entryPoint, byte[] table)
    {
        var sw = Stopwatch.StartNew();
        try
        {
            SmbiosTable.Parse(entryPoint, table);
        }
        catch (SmbiosException)
        {
        }
        Assert.True(sw.ElapsedMilliseconds < 2000, "a single parse took over 2 s");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Mutated_tables_only_ever_throw_SmbiosException(int seed)
    {
        var random = new Random(seed);
        byte[] original = Seed();
        for (int i = 0; i < Cases; i++)
        {
            byte[] table = (byte[])original.Clone();
            int edits = random.Next(1, 8);
            for (int e = 0; e < edits; e++)
            {
                switch (random.Next(4))
                {
                    case 0: table[random.Next(table.Length)] = (byte)random.Next(256); break;
                    case 1: table[random.Next(table.Length)] = 0; break;
                    case 2: table = table[..random.Next(table.Length + 1)]; break;
                    default: table[random.Next(table.Length)] ^= (byte)(1 << random.Next(8)); break;
                }
                if (table.Length == 0) break;
            }
            // The declared length may disagree with the data in either direction.
            uint declared = random.Next(3) switch { 0 => (uint)table.Length, 1 => (uint)random.Next(0, table.Length + 64), _ => (uint)random.Next() };
            Check(SmbiosBuilder.EntryPoint3(declared), table);
        }
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void Random_entry_points_and_tables_only_ever_throw_SmbiosException(int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < Cases; i++)
        {
            byte[] ep = new byte[random.Next(0, 40)];
            random.NextBytes(ep);
            if (ep.Length >= 5 && random.Next(2) == 0) "_SM3_"u8.CopyTo(ep);
            else if (ep.Length >= 4 && random.Next(2) == 0) "_SM_"u8.CopyTo(ep);
            byte[] table = new byte[random.Next(0, 600)];
            random.NextBytes(table);
            Check(ep, table);
        }
    }
}
