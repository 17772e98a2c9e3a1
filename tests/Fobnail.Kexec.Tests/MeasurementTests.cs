using System.Text;
using System.Text.Json;
using Fobnail.Tpm;
using Fobnail.Kexec.Measurement;

namespace Fobnail.Kexec.Tests;

public sealed class MeasurementTests : IDisposable
{
    private static readonly TpmAlgId[] AllBanks = [TpmAlgId.Sha1, TpmAlgId.Sha256, TpmAlgId.Sha384, TpmAlgId.Sha512];
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private KexecImage Open(string kernel, string? initrd = null, string cmdline = "") =>
        KexecImage.Open(new KexecRequest(kernel, initrd, cmdline));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1 << 20)]
    [InlineData((1 << 20) + 1)]
    [InlineData(3 * (1 << 20) + 12345)]
    public void File_digests_equal_coreutils_for_every_bank(int size)
    {
        string kernel = _files.Random("kernel", size, seed: size);
        using KexecImage image = Open(kernel);
        EventLog log = KexecMeasurer.Measure(image, AllBanks);
        MeasurementEvent e = log.Events[0];
        Assert.Equal(size, e.Size);
        Assert.Equal(TestFiles.Sum("sha1sum", kernel), e.Digest(TpmAlgId.Sha1)!.Hex);
        Assert.Equal(TestFiles.Sum("sha256sum", kernel), e.Digest(TpmAlgId.Sha256)!.Hex);
        Assert.Equal(TestFiles.Sum("sha384sum", kernel), e.Digest(TpmAlgId.Sha384)!.Hex);
        Assert.Equal(TestFiles.Sum("sha512sum", kernel), e.Digest(TpmAlgId.Sha512)!.Hex);
    }

    [Fact]
    public void A_real_binary_measures_like_sha256sum()
    {
        string bash = "/usr/bin/bash";
        using KexecImage image = Open(bash);
        Assert.Equal(TestFiles.Sum("sha256sum", bash), KexecMeasurer.Measure(image, [TpmAlgId.Sha256]).Events[0].Digests[0].Hex);
    }

    [Fact]
    public void The_command_line_is_measured_as_its_utf8_bytes_with_the_nul_like_grub()
    {
        string kernel = _files.Random("k", 100, 1);
        const string cmdline = "console=ttyS0 root=/dev/sda1 label=żółw";
        using KexecImage image = Open(kernel, cmdline: cmdline);
        byte[] expected = [.. Encoding.UTF8.GetBytes(cmdline), 0];
        Assert.Equal(expected, image.Cmdline);
        MeasurementEvent e = KexecMeasurer.Measure(image, AllBanks).Events.Single(x => x.Object == MeasuredObject.Cmdline);
        Assert.Equal(8, e.Pcr);
        Assert.Equal(expected.Length, e.Size);
        string bytesFile = _files.Write("cmdline.bin", expected);
        Assert.Equal(TestFiles.Sum("sha256sum", bytesFile), e.Digest(TpmAlgId.Sha256)!.Hex);
        Assert.Equal(TestFiles.Sum("sha1sum", bytesFile), e.Digest(TpmAlgId.Sha1)!.Hex);
    }

    [Fact]
    public void Events_are_kernel_initrd_cmdline_in_pcrs_9_9_8_and_the_pcrs_are_configurable()
    {
        string kernel = _files.Random("k", 5000, 2), initrd = _files.Random("i", 7000, 3);
        using (KexecImage image = Open(kernel, initrd, "a b"))
        {
            var events = KexecMeasurer.Measure(image, [TpmAlgId.Sha256]).Events;
            Assert.Equal([MeasuredObject.Kernel, MeasuredObject.Initrd, MeasuredObject.Cmdline], events.Select(e => e.Object));
            Assert.Equal([9, 9, 8], events.Select(e => e.Pcr));
            Assert.Equal(TestFiles.Sum("sha256sum", initrd), events[1].Digests[0].Hex);
        }
        using (KexecImage image = KexecImage.Open(new KexecRequest(kernel, initrd, "a b") { Pcrs = new KexecPcrs(4, 5, 12) }))
            Assert.Equal([4, 5, 12], KexecMeasurer.Measure(image, [TpmAlgId.Sha256]).Events.Select(e => e.Pcr));
        using (KexecImage image = KexecImage.Open(new KexecRequest(kernel, null, "") { Pcrs = new KexecPcrs(24, 9, 8) }))
            Assert.Contains("PCR 24 is out of range", Assert.Throws<KexecException>(() => KexecMeasurer.Measure(image, [TpmAlgId.Sha256])).Message);
    }

    [Fact]
    public void Text_event_log_has_one_line_per_event_and_json_the_same_digests()
    {
        string kernel = _files.Random("vmlinuz", 4096, 4), initrd = _files.Random("initrd", 2048, 5);
        using KexecImage image = Open(kernel, initrd, "console=ttyS0 quiet");
        EventLog log = KexecMeasurer.Measure(image, [TpmAlgId.Sha1, TpmAlgId.Sha256]);
        string[] lines = log.ToText().TrimEnd('\n').Split('\n');
        Assert.StartsWith("# ", lines[0]);
        Assert.Equal($"9 sha1:{TestFiles.Sum("sha1sum", kernel)} sha256:{TestFiles.Sum("sha256sum", kernel)} kernel {kernel} (4096 bytes)", lines[1]);
        Assert.Equal($"9 sha1:{TestFiles.Sum("sha1sum", initrd)} sha256:{TestFiles.Sum("sha256sum", initrd)} initrd {initrd} (2048 bytes)", lines[2]);
        Assert.Matches("^8 sha1:[0-9a-f]{40} sha256:[0-9a-f]{64} cmdline \"console=ttyS0 quiet\" \\(20 bytes\\)$", lines[3]);
        Assert.Equal("# not extended into a TPM", lines[4]);

        using JsonDocument doc = JsonDocument.Parse(log.ToJson());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("extended_into").ValueKind);
        JsonElement[] events = doc.RootElement.GetProperty("events").EnumerateArray().ToArray();
        Assert.Equal(3, events.Length);
        Assert.Equal("kernel", events[0].GetProperty("object").GetString());
        Assert.Equal(9, events[0].GetProperty("pcr").GetInt32());
        Assert.Equal(4096, events[0].GetProperty("size").GetInt64());
        Assert.Equal(TestFiles.Sum("sha256sum", kernel), events[0].GetProperty("digests").GetProperty("sha256").GetString());
        Assert.Equal(20, events[2].GetProperty("size").GetInt64());
    }

    [Fact]
    public void Extending_follows_the_tpm_chain_computed_independently()
    {
        string kernel = _files.Random("k", 70000, 7), initrd = _files.Random("i", 30000, 8);
        const string cmdline = "console=ttyS0";
        var pcrs = new SoftwarePcrs(AllBanks);
        using KexecImage image = Open(kernel, initrd, cmdline);
        EventLog log = KexecMeasurer.Measure(image, pcrs.Banks);
        KexecMeasurer.Extend(log, pcrs);
        Assert.Equal("software PCRs", log.ExtendedInto);
        byte[] cmdlineBytes = [.. Encoding.UTF8.GetBytes(cmdline), 0];
        foreach (TpmAlgId bank in AllBanks)
        {
            byte[] zero = new byte[ExtendChain.Size(bank)];
            Assert.Equal(ExtendChain.Chain(bank, zero, File.ReadAllBytes(kernel), File.ReadAllBytes(initrd)), pcrs.Get(bank, 9));
            Assert.Equal(ExtendChain.Chain(bank, zero, cmdlineBytes), pcrs.Get(bank, 8));
        }
        Assert.Equal(["read 8,9", "extend 9", "extend 9", "extend 8", "read 8,9"], pcrs.Calls);
        // The read-back values are in the log: before zero, after the chain.
        Assert.Equal(2 * AllBanks.Length, log.PcrValues.Count);
        PcrValue nine = log.PcrValues.Single(v => v.Pcr == 9 && v.Bank == TpmAlgId.Sha256);
        Assert.Equal(new byte[32], nine.Before);
        Assert.Equal(pcrs.Get(TpmAlgId.Sha256, 9), nine.After);
        Assert.Contains($"# PCR 9 sha256: {new string('0', 64)} -> {Convert.ToHexStringLower(nine.After)}", log.ToText());
    }

    [Fact]
    public void A_pcr_that_does_not_end_at_the_expected_value_fails_the_extend()
    {
        string kernel = _files.Random("k", 1000, 12);
        using KexecImage image = Open(kernel);
        EventLog log = KexecMeasurer.Measure(image, [TpmAlgId.Sha256]);
        // Someone else extends PCR 9 between our extends: the read-back value cannot match the chain.
        var pcrs = new MeddlingPcrs([TpmAlgId.Sha256]);
        var e = Assert.Throws<KexecException>(() => KexecMeasurer.Extend(log, pcrs));
        Assert.Contains("PCR 9 sha256 is ", e.Message);
        Assert.Contains("something else extended it", e.Message);
        Assert.Null(log.ExtendedInto);
    }

    private sealed class MeddlingPcrs(IReadOnlyList<TpmAlgId> banks) : IPcrExtender
    {
        private readonly SoftwarePcrs _inner = new(banks);
        public string Description => "meddled";
        public IReadOnlyList<TpmAlgId> Banks => banks;
        public void Extend(int pcr, IReadOnlyList<BankDigest> digests)
        {
            _inner.Extend(pcr, digests);
            if (pcr == 9) _inner.Extend(pcr, digests);
        }
        public IReadOnlyDictionary<(TpmAlgId Bank, int Pcr), byte[]> Read(IReadOnlyCollection<int> pcrs) => _inner.Read(pcrs);
    }

    [Fact]
    public void Size_limits_and_unusable_files_are_typed_errors()
    {
        string kernel = _files.Random("big", 5000, 9);
        using (KexecImage image = KexecImage.Open(new KexecRequest(kernel, null, "") { Limits = new KexecLimits { MaxKernelBytes = 4999 } }))
            Assert.Contains("5000 bytes, more than the 4999 accepted", Assert.Throws<KexecException>(() => KexecMeasurer.Measure(image, [TpmAlgId.Sha256])).Message);
        string initrd = _files.Random("initrd", 100, 10);
        using (KexecImage image = KexecImage.Open(new KexecRequest(kernel, initrd, "") { Limits = new KexecLimits { MaxInitrdBytes = 99 } }))
            Assert.Contains("initrd", Assert.Throws<KexecException>(() => KexecMeasurer.Measure(image, [TpmAlgId.Sha256])).Message);

        Assert.Contains("2049 bytes with its NUL, more than the 2048",
            Assert.Throws<KexecException>(() => Open(kernel, cmdline: new string('x', 2048))).Message);
        using (Open(kernel, cmdline: new string('x', 2047))) { }
        Assert.Contains("NUL", Assert.Throws<KexecException>(() => Open(kernel, cmdline: "a\0b")).Message);
        string missing = Path.Combine(_files.Dir, "nope");
        Assert.Contains($"cannot open the kernel {missing}", Assert.Throws<KexecException>(() => Open(missing)).Message);
        Assert.Contains("cannot open the initrd", Assert.Throws<KexecException>(() => Open(kernel, missing)).Message);
        Assert.Contains("cannot open the kernel", Assert.Throws<KexecException>(() => Open(_files.Dir)).Message);
    }

    [Fact]
    public void A_bank_we_cannot_hash_is_refused_not_skipped()
    {
        string kernel = _files.Random("k", 10, 11);
        using KexecImage image = Open(kernel);
        Assert.Contains("refusing to leave it unmeasured", Assert.Throws<KexecException>(() => KexecMeasurer.Measure(image, [TpmAlgId.Sha3_256])).Message);
        Assert.Throws<KexecException>(() => KexecMeasurer.Measure(image, []));
    }

    [Fact]
    public void Random_sizes_and_command_lines_measure_like_dotnet_and_quote_to_one_line()
    {
        // Fixed seed, fixed number of cases: sizes around the 1 MiB read chunk and small ones; command lines of
        // random UTF-16 (control characters, quotes, surrogates) either measure or fail with KexecException only.
        var random = new Random(20261122);
        string kernel = Path.Combine(_files.Dir, "random");
        for (int i = 0; i < 60; i++)
        {
            int size = i % 3 == 0 ? (1 << 20) + random.Next(-3, 4) : random.Next(0, 70000);
            var bytes = new byte[size];
            random.NextBytes(bytes);
            File.WriteAllBytes(kernel, bytes);
            var chars = new char[random.Next(0, 1200)];
            for (int c = 0; c < chars.Length; c++) chars[c] = (char)(random.Next(4) == 0 ? random.Next(0, 0x10000) : random.Next(0, 128));
            string cmdline = new(chars);
            KexecImage image;
            try { image = Open(kernel, cmdline: cmdline); }
            catch (KexecException) { continue; }
            using (image)
            {
                EventLog log = KexecMeasurer.Measure(image, [TpmAlgId.Sha256]);
                Assert.Equal(System.Security.Cryptography.SHA256.HashData(bytes), log.Events[0].Digests[0].Digest);
                Assert.Equal(System.Security.Cryptography.SHA256.HashData(image.Cmdline), log.Events[1].Digests[0].Digest);
                Assert.Equal(0, image.Cmdline[^1]);
                Assert.Equal(log.Events.Count + 2, log.ToText().Count(ch => ch == '\n'));
            }
        }
    }
}
