using System.Buffers.Binary;
using System.Text.Json;
using Fobnail.Boot.Block;
using Fobnail.Boot.Filesystems;
using Fobnail.Testing.Processes;

namespace Fobnail.Boot.Tests;

/// <summary>GPT/MBR and superblocks on images made by sfdisk and mkfs, checked against sfdisk --json and blkid -p.</summary>
public sealed class BlockTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fobnail-block-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string GptImage()
    {
        string image = Images.Sparse(_dir, "disk.img", 64 << 20);
        Command.Run("sfdisk", ["--quiet", image], new() { Input = """
            label: gpt
            label-id: 0B5E3A44-2C71-4F0E-9A53-6D1E2F3A4B5C
            start=2048, size=16MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=1C0FFEE0-1111-4222-8333-944455566677, name="EFI System Partition"
            size=16MiB, type=BC13C2FF-59E6-4262-A352-B275FD6F7172, uuid=2C0FFEE0-1111-4222-8333-944455566677, name="xbootldr"
            type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, uuid=3C0FFEE0-1111-4222-8333-944455566677, name="root"
            """ }).EnsureSuccess();
        return image;
    }

    [Fact]
    public void Gpt_written_by_sfdisk_reads_as_sfdisk_reports_it()
    {
        string image = GptImage();
        using var disk = File.OpenRead(image);
        PartitionTable table = PartitionTableReader.Read(disk);

        using var json = JsonDocument.Parse(Command.Output("sfdisk", "--json", image));
        var expected = json.RootElement.GetProperty("partitiontable").GetProperty("partitions").EnumerateArray().ToList();
        Assert.Equal(PartitionTableKind.Gpt, table.Kind);
        Assert.Equal(Guid.Parse("0B5E3A44-2C71-4F0E-9A53-6D1E2F3A4B5C"), table.DiskGuid);
        Assert.Equal(expected.Count, table.Partitions.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            GptPartition p = table.Partitions[i];
            Assert.Equal(Guid.Parse(expected[i].GetProperty("type").GetString()!), p.Type);
            Assert.Equal(Guid.Parse(expected[i].GetProperty("uuid").GetString()!), p.PartUuid);
            Assert.Equal(expected[i].GetProperty("name").GetString(), p.Name);
            Assert.Equal(expected[i].GetProperty("start").GetUInt64(), p.FirstLba);
        }
        Assert.True(table.Partitions[0].IsEsp);
        Assert.True(table.Partitions[1].IsXbootldr);
    }

    [Fact]
    public void A_corrupt_primary_gpt_falls_back_to_the_backup()
    {
        string image = GptImage();
        using (var f = File.OpenWrite(image)) { f.Seek(512 + 60, SeekOrigin.Begin); f.WriteByte(0x42); } // breaks the header CRC
        using var disk = File.OpenRead(image);
        PartitionTable table = PartitionTableReader.Read(disk);
        Assert.Equal(3, table.Partitions.Count);
        Assert.Contains("header CRC32 mismatch", table.Note);
    }

    [Fact]
    public void Mbr_and_empty_disks()
    {
        string image = Images.Sparse(_dir, "mbr.img", 8 << 20);
        Command.Run("sfdisk", ["--quiet", image], new() { Input = "label: dos\ntype=83\n" }).EnsureSuccess();
        using (var disk = File.OpenRead(image)) Assert.Equal(PartitionTableKind.Mbr, PartitionTableReader.Read(disk).Kind);
        using var empty = new MemoryStream(new byte[1 << 20]);
        Assert.Equal(PartitionTableKind.None, PartitionTableReader.Read(empty).Kind);
    }

    public static TheoryData<string, string[]> Filesystems => new()
    {
        { "ext4", ["mkfs.ext4", "-q", "-F", "-L", "debian-root", "-U", "4f2c1a3e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"] },
        { "ext3", ["mkfs.ext3", "-q", "-F", "-L", "old", "-U", "11111111-2222-4333-8444-555555555555"] },
        { "ext2", ["mkfs.ext2", "-q", "-F", "-U", "11111111-2222-4333-8444-666666666666"] },
        { "vfat", ["mkfs.vfat", "-F", "32", "-n", "ESP", "-i", "1A2B3C4D"] },
        { "vfat", ["mkfs.vfat", "-F", "16", "-i", "DEADBEEF"] },
        { "xfs", ["mkfs.xfs", "-q", "-f", "-L", "rhel-boot", "-m", "uuid=7c0f3a52-1d4e-4b9a-8e6f-2a1b3c4d5e6f"] },
        { "btrfs", ["mkfs.btrfs", "-q", "-f", "-L", "fedora", "-U", "9e8d7c6b-5a49-4838-a726-15b4c3d2e1f0"] },
    };

    [Theory]
    [MemberData(nameof(Filesystems))]
    public void Superblock_matches_blkid(string type, string[] mkfs)
    {
        string image = Images.Sparse(_dir, "fs.img", 320L << 20);
        Command.Output(mkfs[0], [.. mkfs[1..], image]);
        var blkid = Images.Blkid(image);

        using var stream = File.OpenRead(image);
        FilesystemInfo info = SuperblockReader.Read(stream)!;

        Assert.Equal(type, blkid["TYPE"]);
        Assert.Equal(blkid["TYPE"], info.Type);
        Assert.Equal(blkid["UUID"], info.Uuid);
        Assert.Equal(blkid.GetValueOrDefault("LABEL"), info.Label);
    }

    [Fact]
    public void Gpt_mutations_that_keep_the_checksums_reach_the_entry_parser()
    {
        string image = GptImage();
        byte[] head = new byte[34 * 512];
        using (var f = File.OpenRead(image)) f.ReadExactly(head);
        var random = new Random(1104);
        int tables = 0, deepErrors = 0, runs = 2000;
        for (int run = 0; run < runs; run++)
        {
            byte[] copy = (byte[])head.Clone();
            int flips = random.Next(1, 6);
            for (int k = 0; k < flips; k++)
            {
                // Half the mutations hit the header's fields, half the first entries.
                int at = random.Next(2) == 0 ? 512 + random.Next(92) : 1024 + random.Next(4 * 128);
                copy[at] = (byte)random.Next(256);
            }
            FixCrcs(copy);
            try
            {
                PartitionTableReader.Read(new MemoryStream(copy), 512, 64 << 20);
                tables++;
            }
            catch (BootFormatException e) when (!e.Message.Contains("backup GPT"))
            {
                deepErrors++;
            }
            catch (BootFormatException e)
            {
                // The primary failed a field check and the backup (not in this buffer) was tried: still a clean error.
                if (!e.Message.Contains("primary GPT")) throw;
                deepErrors++;
            }
        }
        // With valid checksums most mutated tables get past the signature/CRC checks into the entries.
        Assert.True(tables > runs / 3, $"only {tables} of {runs} mutated tables were read to the end ({deepErrors} refused)");
    }

    /// <summary>Recomputes the entry array CRC and the header CRC, so a mutation is judged by the field checks.</summary>
    private static void FixCrcs(byte[] d)
    {
        var h = d.AsSpan(512, 512);
        uint count = Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(h[80..]), 128);
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(h[84..]);
        if (size is 128 && count <= 128)
            BinaryPrimitives.WriteUInt32LittleEndian(h[88..], Crc(d.AsSpan(1024, (int)(count * size))));
        uint headerSize = Math.Clamp(BinaryPrimitives.ReadUInt32LittleEndian(h[12..]), 92, 512);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], Crc(h[..(int)headerSize]));
    }

    // The product's CRC-32: the sfdisk-written tables above prove it against sfdisk's own.
    private static uint Crc(ReadOnlySpan<byte> data) => System.IO.Hashing.Crc32.HashToUInt32(data);

    [Fact]
    public void Superblock_mutations_never_escape_as_anything_but_a_format_error()
    {
        var random = new Random(7);
        var images = new List<byte[]>();
        foreach (var (_, mkfs) in new[] { ("ext4", new[] { "mkfs.ext4", "-q", "-F" }), ("vfat", new[] { "mkfs.vfat", "-F", "32" }), ("xfs", new[] { "mkfs.xfs", "-q", "-f" }), ("btrfs", new[] { "mkfs.btrfs", "-q", "-f" }) })
        {
            string image = Images.Sparse(_dir, "m.img", 320L << 20);
            Command.Output(mkfs[0], [.. mkfs[1..], image]);
            byte[] head = new byte[SuperblockReader.ProbeBytes];
            using (var f = File.OpenRead(image)) f.ReadExactly(head);
            images.Add(head);
        }
        int identified = 0, runs = 4000;
        for (int run = 0; run < runs; run++)
        {
            byte[] copy = (byte[])images[run % images.Count].Clone();
            // Mutate inside the superblock areas the readers look at.
            int[] areas = [0, 1024, 0x10000];
            for (int k = random.Next(1, 8); k > 0; k--) copy[areas[random.Next(areas.Length)] + random.Next(512)] = (byte)random.Next(256);
            try { if (SuperblockReader.Identify(copy) is not null) identified++; }
            catch (BootFormatException) { }
        }
        Assert.True(identified > runs / 2, $"only {identified} of {runs} mutated superblocks were identified");
    }
}
