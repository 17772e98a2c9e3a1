using System.Buffers.Binary;
using System.Diagnostics;
using Fobnail.Attester.Platform;

namespace Fobnail.Attester.Tests.Platform;

/// <summary>
/// Real firmware tables: this host has no /sys/firmware/dmi/tables, so QEMU's SeaBIOS builds them from
/// <c>-smbios type=1,...</c>; the test dumps the BIOS F-segment through the QEMU monitor (pmemsave), finds the
/// entry point the way an OS does (16-byte aligned anchor), lays the entry point and table out as Linux does in
/// sysfs and parses them.
/// </summary>
public class SmbiosQemuTests
{
    [Theory]
    [InlineData("pc", "_SM_")]                                    // SMBIOS 2.x entry point
    [InlineData("pc,smbios-entry-point-type=64", "_SM3_")]       // SMBIOS 3.x entry point
    public void Seabios_tables_parse_to_the_strings_qemu_was_given(string machine, string anchor)
    {
        string dir = Directory.CreateTempSubdirectory("fobnail-qemu-dmi-").FullName;
        try
        {
            byte[] fseg = DumpFSegment(machine, Path.Combine(dir, "fseg.bin"));
            int ep = FindAnchor(fseg, anchor);
            Assert.True(ep >= 0, $"no {anchor} entry point in the F-segment");
            (int epLength, long address, int length) = anchor == "_SM3_"
                ? (fseg[ep + 6], (long)BinaryPrimitives.ReadUInt64LittleEndian(fseg.AsSpan(ep + 0x10)), (int)BinaryPrimitives.ReadUInt32LittleEndian(fseg.AsSpan(ep + 0x0C)))
                : (0x1F, (long)BinaryPrimitives.ReadUInt32LittleEndian(fseg.AsSpan(ep + 0x18)), (int)BinaryPrimitives.ReadUInt16LittleEndian(fseg.AsSpan(ep + 0x16)));
            int offset = checked((int)(address - 0xF0000));
            Assert.InRange(offset + length, 1, fseg.Length);

            string tables = Path.Combine(dir, "tables");
            Directory.CreateDirectory(tables);
            File.WriteAllBytes(Path.Combine(tables, "smbios_entry_point"), fseg[ep..(ep + epLength)]);
            File.WriteAllBytes(Path.Combine(tables, "DMI"), fseg[offset..(offset + length)]);

            SmbiosSystemInformation? info = SmbiosTable.Read(tables);
            Assert.Equal(new SmbiosSystemInformation("Fobnail Test", "QEMU Guest", "SN 0042"), info);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static int FindAnchor(byte[] data, string anchor)
    {
        byte[] a = System.Text.Encoding.ASCII.GetBytes(anchor);
        for (int i = 0; i + 0x20 <= data.Length; i += 16)
            if (data.AsSpan(i).StartsWith(a) && (anchor != "_SM_" || data.AsSpan(i + 0x10).StartsWith("_DMI_"u8)))
                return i;
        return -1;
    }

    private static byte[] DumpFSegment(string machine, string file)
    {
        var psi = new ProcessStartInfo("qemu-system-x86_64",
        [
            "-machine", machine, "-m", "64", "-nographic", "-nodefaults", "-net", "none", "-serial", "none", "-monitor", "stdio",
            "-smbios", "type=1,manufacturer=Fobnail Test,product=QEMU Guest,serial=SN 0042",
        ])
        { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using Process qemu = Process.Start(psi)!;
        _ = qemu.StandardOutput.ReadToEndAsync();
        _ = qemu.StandardError.ReadToEndAsync();
        try
        {
            // SeaBIOS writes the tables during POST; poll until the entry point is there (bounded).
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                Thread.Sleep(500);
                qemu.StandardInput.WriteLine($"pmemsave 0xf0000 0x10000 \"{file}\"");
                qemu.StandardInput.Flush();
                Thread.Sleep(300);
                if (File.Exists(file) && new FileInfo(file).Length == 0x10000)
                {
                    byte[] data = File.ReadAllBytes(file);
                    if (FindAnchor(data, "_SM_") >= 0 || FindAnchor(data, "_SM3_") >= 0)
                        return data;
                }
            }
            throw new TimeoutException("SeaBIOS did not publish SMBIOS tables within 30 s");
        }
        finally
        {
            qemu.StandardInput.WriteLine("quit");
            qemu.StandardInput.Flush();
            if (!qemu.WaitForExit(5000)) qemu.Kill();
        }
    }
}
