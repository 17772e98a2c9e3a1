using System.Text;
using Fobnail.Attester.Platform;

namespace Fobnail.Attester.Tests.Platform;

public class SmbiosTableTests
{
    [Fact]
    public void Type1_strings_are_taken_from_offsets_4_5_and_7()
    {
        var b = new SmbiosBuilder().Structure(0, [1, 2, 0, 3], "BIOS vendor", "1.2", "01/01/2024")
            .SystemInformation("QEMU", "Standard PC (Q35 + ICH9, 2009)", "SN-42").End();
        SmbiosSystemInformation? info = SmbiosTable.Parse(b.EntryPoint3(), b.Table);
        Assert.Equal(new SmbiosSystemInformation("QEMU", "Standard PC (Q35 + ICH9, 2009)", "SN-42"), info);
    }

    [Fact]
    public void Index_0_is_Not_Specified_and_an_index_past_the_strings_is_BAD_INDEX()
    {
        var b = new SmbiosBuilder().Structure(1, [1, 0, 0, 9], "Vendor").End();
        SmbiosSystemInformation info = SmbiosTable.Parse(b.EntryPoint3(), b.Table)!;
        Assert.Equal("Vendor", info.Manufacturer);
        Assert.Equal("Not Specified", info.ProductName);
        Assert.Equal("<BAD INDEX>", info.SerialNumber);
    }

    [Fact]
    public void Non_printable_bytes_become_dots_and_nothing_is_trimmed()
    {
        var b = new SmbiosBuilder().StructureRaw(1, [1, 2, 0, 3],
            " Ve\tndor "u8.ToArray(), [0x41, 0x7F, 0x80, 0xFF, 0x42], "x"u8.ToArray()).End();
        SmbiosSystemInformation info = SmbiosTable.Parse(b.EntryPoint3(), b.Table)!;
        Assert.Equal(" Ve.ndor ", info.Manufacturer);
        Assert.Equal("A...B", info.ProductName);
        Assert.Equal("x", info.SerialNumber);
    }

    [Fact]
    public void A_short_type1_ends_the_search_like_the_reference()
    {
        // Type 1 of length 7 first, a valid one after it: the reference breaks at the first, so no strings.
        var b = new SmbiosBuilder().Structure(1, [1, 2, 3], "a", "b", "c").SystemInformation("M", "P", "S").End();
        Assert.Null(SmbiosTable.Parse(b.EntryPoint3(), b.Table));
    }

    [Fact]
    public void No_type1_gives_null()
    {
        var b = new SmbiosBuilder().Structure(0, [1, 2, 0, 3], "v", "1", "d").End();
        Assert.Null(SmbiosTable.Parse(b.EntryPoint3(), b.Table));
    }

    [Fact]
    public void The_table_length_comes_from_the_entry_point_and_SMBIOS_2_is_read_too()
    {
        var b = new SmbiosBuilder().Structure(0, [1, 2, 0, 3], "v", "1", "d");
        int cut = b.Table.Length;
        b.SystemInformation("M", "P", "S").End();
        // The declared length ends before type 1: it is not seen.
        Assert.Null(SmbiosTable.Parse(SmbiosBuilder.EntryPoint3((uint)cut), b.Table));
        Assert.Equal("M", SmbiosTable.Parse(SmbiosBuilder.EntryPoint2((ushort)b.Table.Length), b.Table)!.Manufacturer);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("anchor")]
    [InlineData("huge")]
    [InlineData("eplength")]
    public void Bad_entry_points_throw_SmbiosException(string kind)
    {
        byte[] ep = kind switch
        {
            "short" => SmbiosBuilder.EntryPoint3(10)[..20],
            "anchor" => Encoding.ASCII.GetBytes("_XX3_xxxxxxxxxxxxxxxxxxxxxxx"),
            "huge" => SmbiosBuilder.EntryPoint3(SmbiosTable.MaxTableSize + 1),
            _ => SmbiosBuilder.EntryPoint3(10),
        };
        if (kind == "eplength") ep[0x06] = 0x21;
        var e = Assert.Throws<SmbiosException>(() => SmbiosTable.Parse(ep, new byte[10]));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    }

    [Fact]
    public void A_type1_running_past_the_table_end_throws()
    {
        byte[] table = [1, 40, 0, 1, 1, 2, 0, 3];
        Assert.Throws<SmbiosException>(() => SmbiosTable.Parse(SmbiosBuilder.EntryPoint3((uint)table.Length), table));
    }

    [Fact]
    public void Files_in_a_directory_are_read_like_sysfs()
    {
        var b = new SmbiosBuilder().SystemInformation("Dir", "Prod", "Ser").End();
        string dir = Directory.CreateTempSubdirectory("fobnail-dmi-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "smbios_entry_point"), b.EntryPoint3());
            File.WriteAllBytes(Path.Combine(dir, "DMI"), b.Table);
            Assert.Equal(new SmbiosSystemInformation("Dir", "Prod", "Ser"), SmbiosTable.Read(dir));
            File.Delete(Path.Combine(dir, "DMI"));
            Assert.Throws<SmbiosException>(() => SmbiosTable.Read(dir));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
