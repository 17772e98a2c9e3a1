using Fobnail.Kexec.Initrd;
using Fobnail.Kexec.Measurement;
using Fobnail.Linux;
using Fobnail.Tpm;

namespace Fobnail.Kexec.Tests;

/// <summary>The appended initrd: the newc archive checked by GNU cpio, the sealed memfd, the non-blocking open.</summary>
public sealed class HandoverTests : IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    internal static string Shell(string script, string dir) =>
        Command.Run("bash", ["-euo", "pipefail", "-c", script], new() { WorkingDirectory = dir, Timeout = TimeSpan.FromSeconds(60) }).EnsureSuccess().Stdout;

    [Fact]
    public void Newc_archive_is_what_gnu_cpio_extracts_with_modes_owner_and_mtime()
    {
        byte[] secret = [1, 2, 3, 4, 5, 6, 7];
        var records = new[] { new CelRecord(0, 9, [new BankDigest(TpmAlgId.Sha256, new byte[32])], "fobnail", "{}") };
        using NewcArchive archive = HandoverArchive.Build(records, [new HandoverFile("root", "/etc/cryptsetup-keys.d/root.key", secret)]);
        Assert.Equal(0, archive.Bytes.Length % 4);
        string cpio = _files.Write("a.cpio", archive.Bytes.ToArray());
        string listing = Shell($"cpio -tv --quiet -F {cpio}", _files.Dir);
        string[] lines = listing.TrimEnd('\n').Split('\n');
        Assert.Equal(5, lines.Length);
        Assert.Matches(@"^drwxr-xr-x +2 root +root +0 Jan  1  1970 \.fobnail$", lines[0]);
        Assert.Matches(@"^-r--r--r-- +1 root +root +\d+ Jan  1  1970 \.fobnail/tpm2-measure\.log$", lines[1]);
        // /etc is shared with the target's own initrd (the kernel applies our mode to it): 0755; the key directory 0700.
        Assert.Matches(@"^drwxr-xr-x +2 root +root +0 Jan  1  1970 etc$", lines[2]);
        Assert.Matches(@"^drwx------ +2 root +root +0 Jan  1  1970 etc/cryptsetup-keys\.d$", lines[3]);
        Assert.Matches(@"^-r-------- +1 root +root +7 Jan  1  1970 etc/cryptsetup-keys\.d/root\.key$", lines[4]);
        string dir = Directory.CreateDirectory(Path.Combine(_files.Dir, "x")).FullName;
        Shell($"cpio -id --quiet -F {cpio}", dir);
        Assert.Equal(secret, File.ReadAllBytes(Path.Combine(dir, "etc/cryptsetup-keys.d/root.key")));
        Assert.Equal(CelLog.Serialize(records), File.ReadAllBytes(Path.Combine(dir, ".fobnail/tpm2-measure.log")));
        // Disposing wipes every byte, the secret included.
        byte[] before = archive.Bytes.ToArray();
        Assert.True(before.AsSpan().IndexOf(secret) >= 0);
        archive.Dispose();
        Assert.Equal(0, archive.Bytes.Length);
    }

    [Theory]
    [InlineData("../etc/x")]
    [InlineData("a/./b")]
    [InlineData("")]
    [InlineData("a//b")]
    public void Archive_refuses_paths_that_escape_or_are_empty(string path)
    {
        using var archive = new NewcArchive(0);
        Assert.Throws<KexecException>(() => archive.AddFile(path, 0x100, [1]));
    }

    [Fact]
    public void Sealed_memfd_refuses_writes_and_size_changes_after_sealing()
    {
        using SealedMemfd memfd = SealedMemfd.Create("test");
        memfd.Append([1, 2, 3]);
        int seals = memfd.Seal();
        Assert.Equal(0xF, seals & 0xF); // F_SEAL_SEAL|SHRINK|GROW|WRITE
        // EPERM from pwrite(2), which .NET reports as UnauthorizedAccessException.
        Assert.ThrowsAny<Exception>(() => RandomAccess.Write(memfd.Handle, new byte[] { 9 }, 0));
        Assert.ThrowsAny<Exception>(() => RandomAccess.Write(memfd.Handle, new byte[] { 9 }, 3));
        Assert.ThrowsAny<Exception>(() => RandomAccess.SetLength(memfd.Handle, 0));
        byte[] back = new byte[3];
        RandomAccess.Read(memfd.Handle, back, 0);
        Assert.Equal([1, 2, 3], back);
    }

    [Fact]
    public void Image_opened_for_a_handover_loads_target_then_padding_then_archive_and_measures_only_the_target()
    {
        string kernel = _files.Random("k", 1000, 1), initrd = _files.Random("i", 1001, 2);
        using KexecImage image = KexecImage.Open(new KexecRequest(kernel, initrd, ""), handOver: true);
        EventLog log = KexecMeasurer.Measure(image, [TpmAlgId.Sha256]);
        Assert.Equal(TestFiles.Sum("sha256sum", initrd), log.Events[1].Digest(TpmAlgId.Sha256)!.Hex);
        File.WriteAllBytes(initrd, new byte[5]); // a later change of the file does not reach what boots
        image.AppendAndSeal("070701xyz"u8);
        byte[] loaded = new byte[RandomAccess.GetLength(image.LoadInitrd!)];
        RandomAccess.Read(image.LoadInitrd!, loaded, 0);
        Assert.Equal(1004 + 9, loaded.Length);
        Assert.Equal(new byte[3], loaded[1001..1004]);
        Assert.Equal("070701xyz"u8.ToArray(), loaded[1004..]);
        Assert.Equal(12, image.AppendedBytes);
    }

    [Fact]
    public void A_fifo_a_device_and_a_directory_are_refused_without_blocking()
    {
        string fifo = Path.Combine(_files.Dir, "fifo");
        Shell($"mkfifo {fifo}", _files.Dir);
        var open = Task.Run(() => Assert.Throws<RegularFileException>(() => RegularFile.OpenRead(fifo)));
        Assert.True(open.Wait(TimeSpan.FromSeconds(30)), "opening a FIFO blocked");
        Assert.Contains("is a FIFO, not a regular file", open.Result.Message);
        Assert.Contains("is a character device", Assert.Throws<RegularFileException>(() => RegularFile.OpenRead("/dev/zero")).Message);
        Assert.Contains("is a directory", Assert.Throws<RegularFileException>(() => RegularFile.OpenRead(_files.Dir)).Message);
        Assert.Contains("no such file", Assert.Throws<RegularFileException>(() => RegularFile.OpenRead(fifo + "x")).Message);
        string kernel = _files.Random("k", 10, 1);
        var e = Assert.Throws<KexecException>(() => KexecImage.Open(new KexecRequest(kernel, fifo, "")));
        Assert.Contains("cannot open the initrd", e.Message);
    }

    [Fact]
    public void Cli_measure_of_a_fifo_exits_with_a_message_instead_of_hanging()
    {
        string fifo = Path.Combine(_files.Dir, "fifo");
        Shell($"mkfifo {fifo}", _files.Dir);
        var (code, _, stderr) = TpmTests.Cli("kexec", "measure", fifo);
        Assert.Equal(1, code);
        Assert.Contains("is a FIFO, not a regular file", stderr);
        (code, _, stderr) = TpmTests.Cli("kexec", "measure", _files.Random("k", 10, 1), "--initrd", fifo);
        Assert.Equal(1, code);
        Assert.Contains("cannot open the initrd", stderr);
    }

    [Theory]
    [InlineData(16, "reset at locality 0")]
    [InlineData(23, "reset at locality 0")]
    [InlineData(17, "DRTM")]
    [InlineData(22, "DRTM")]
    [InlineData(24, "out of range")]
    public void Resettable_and_drtm_pcrs_are_refused_everywhere(int pcr, string why)
    {
        Assert.Contains(why, KexecPcrs.Refusal(pcr));
        Assert.Contains(why, Assert.Throws<KexecException>(() => new KexecPcrs(Cmdline: pcr).Validate()).Message);
        string kernel = _files.Random("k", 10, 1);
        foreach (string option in new[] { "--kernel-pcr", "--cmdline-pcr" })
        {
            var (code, _, stderr) = TpmTests.Cli("kexec", "measure", kernel, option, pcr.ToString());
            Assert.Equal(2, code);
            Assert.Contains(option, stderr);
        }
        var (_, _, err) = TpmTests.Cli("cmdline", "parse", $"fobnail.kexec.kernel_pcr={pcr} fobnail.kexec.cmdline_pcr={pcr}");
        Assert.Equal(2, err.Split('\n').Count(l => l.Contains("kexec.") && l.Contains(pcr > 23 ? "is not a PCR index 0-23" : why)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(15)]
    public void Static_pcrs_are_accepted(int pcr) => Assert.Null(KexecPcrs.Refusal(pcr));
}
