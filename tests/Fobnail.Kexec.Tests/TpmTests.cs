using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Fobnail.Tpm;
using Fobnail.Kexec.Measurement;

namespace Fobnail.Kexec.Tests;

/// <summary>Measurements extended into a real TPM (fresh swtpm), read back with tpm2_pcrread.</summary>
[Collection(TpmCollection.Name)]
[Trait("Category", TpmCollection.Trait)]
public sealed class TpmTests(TpmFixture tpm) : IDisposable
{
    private static readonly TpmAlgId[] Banks = [TpmAlgId.Sha1, TpmAlgId.Sha256];
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>`tpm2_pcrread sha1:8,9+sha256:8,9` parsed into (bank, pcr) → value.</summary>
    private Dictionary<(TpmAlgId, int), byte[]> PcrRead()
    {
        string text = tpm.Tool("tpm2_pcrread", "sha1:8,9+sha256:8,9");
        var values = new Dictionary<(TpmAlgId, int), byte[]>();
        TpmAlgId bank = default;
        foreach (string line in text.Split('\n'))
        {
            if (Regex.Match(line, @"^\s*(sha1|sha256):\s*$") is { Success: true } b)
                bank = b.Groups[1].Value == "sha1" ? TpmAlgId.Sha1 : TpmAlgId.Sha256;
            else if (Regex.Match(line, @"^\s*(\d+)\s*:\s*0x([0-9A-Fa-f]+)\s*$") is { Success: true } v)
                values[(bank, int.Parse(v.Groups[1].Value))] = Convert.FromHexString(v.Groups[2].Value);
        }
        Assert.Equal(4, values.Count);
        return values;
    }

    private void AssertChain(Dictionary<(TpmAlgId, int), byte[]> before, string kernel, string initrd, string cmdline)
    {
        var after = PcrRead();
        byte[] cmdlineBytes = [.. Encoding.UTF8.GetBytes(cmdline), 0];
        foreach (TpmAlgId bank in Banks)
        {
            Assert.Equal(ExtendChain.Chain(bank, before[(bank, 9)], File.ReadAllBytes(kernel), File.ReadAllBytes(initrd)), after[(bank, 9)]);
            Assert.Equal(ExtendChain.Chain(bank, before[(bank, 8)], cmdlineBytes), after[(bank, 8)]);
        }
    }

    [Fact]
    public void Handoff_extends_pcr_8_and_9_in_every_allocated_bank_as_tpm2_pcrread_shows()
    {
        string kernel = _files.Random("vmlinuz", 2_500_000, 1), initrd = _files.Random("initrd", 700_000, 2);
        const string cmdline = "console=ttyS0 root=/dev/vda";
        var before = PcrRead();
        var fake = new FakeKexecKernel();
        var handoff = new KexecHandoff(fake)
        {
            OpenExtender = () => TpmPcrExtender.Open(tpm.Spec),
            EventLogPath = null,
        };
        var result = handoff.Run(new KexecRequest(kernel, initrd, cmdline), AttestationVerdict.Pass("test"), execute: false);
        var loaded = Assert.IsType<KexecHandoffResult.Loaded>(result);
        Assert.NotNull(loaded.Log.ExtendedInto);
        Assert.Equal(Banks, loaded.Log.Events[0].Digests.Select(d => d.Hash));
        AssertChain(before, kernel, initrd, cmdline);
        var after = PcrRead();
        foreach (PcrValue v in loaded.Log.PcrValues)
        {
            Assert.Equal(before[(v.Bank, v.Pcr)], v.Before);
            Assert.Equal(after[(v.Bank, v.Pcr)], v.After);
        }
        Assert.Equal(4, loaded.Log.PcrValues.Count);
    }

    [Fact]
    public void Cli_measure_extend_json_matches_sha256sum_and_the_tpm()
    {
        string kernel = _files.Random("vmlinuz", 300_000, 3), initrd = _files.Random("initrd", 100_000, 4);
        const string cmdline = "console=ttyS0 quiet";
        var before = PcrRead();
        var (code, stdout, stderr) = Cli("kexec", "measure", kernel, "--initrd", initrd, "--cmdline", cmdline, "--json", "--extend", "--tpm", tpm.Spec.ToString());
        Assert.True(code == 0, stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        Assert.NotEqual(JsonValueKind.Null, doc.RootElement.GetProperty("extended_into").ValueKind);
        JsonElement[] events = doc.RootElement.GetProperty("events").EnumerateArray().ToArray();
        Assert.Equal(TestFiles.Sum("sha256sum", kernel), events[0].GetProperty("digests").GetProperty("sha256").GetString());
        Assert.Equal(TestFiles.Sum("sha1sum", initrd), events[1].GetProperty("digests").GetProperty("sha1").GetString());
        AssertChain(before, kernel, initrd, cmdline);
    }

    [Fact]
    public void Eventlog_verify_replays_the_handoff_log_to_what_tpm2_pcrread_shows_and_one_changed_byte_fails_it()
    {
        string kernel = _files.Random("vmlinuz", 400_000, 5), initrd = _files.Random("initrd", 90_000, 6);
        const string cmdline = "console=ttyS0 verify=1";
        string logPath = Path.Combine(_files.Dir, "tpm2-measure.log");
        // --predict first: what the PCRs will be, read from the TPM now.
        var (code, predicted, stderr) = Cli("kexec", "measure", kernel, "--initrd", initrd, "--cmdline", cmdline, "--predict", "--tpm", tpm.Spec.ToString());
        Assert.True(code == 0, stderr);
        var before = PcrRead();
        var handoff = new KexecHandoff(new FakeKexecKernel()) { OpenExtender = () => TpmPcrExtender.Open(tpm.Spec), EventLogPath = logPath };
        Assert.IsType<KexecHandoffResult.Loaded>(handoff.Run(new KexecRequest(kernel, initrd, cmdline), AttestationVerdict.Pass("test"), execute: false));
        AssertChain(before, kernel, initrd, cmdline);
        var after = PcrRead();
        foreach (TpmAlgId bank in Banks)
            foreach (int pcr in new[] { 8, 9 })
                Assert.Contains($"PCR {pcr} {TpmHash.AlgorithmName(bank)}: {Convert.ToHexStringLower(after[(bank, pcr)])}\n", predicted);

        (code, string stdout, stderr) = Cli("eventlog", "verify", "--log", logPath, "--tpm", tpm.Spec.ToString());
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains($"PCR 9 sha256: ok replayed {Convert.ToHexStringLower(after[(TpmAlgId.Sha256, 9)])}", stdout);
        Assert.Contains("explained: 3 records", stdout);
        (code, stdout, _) = Cli("eventlog", "show", "--log", logPath);
        Assert.Equal(0, code);
        Assert.Contains($"#0 PCR 9 sha1:{TestFiles.Sum("sha1sum", kernel)} sha256:{TestFiles.Sum("sha256sum", kernel)} fobnail", stdout);

        // One changed hex digit in the initrd's sha256 digest: the log no longer explains PCR 9.
        byte[] bytes = File.ReadAllBytes(logPath);
        string digest = TestFiles.Sum("sha256sum", initrd);
        int at = Encoding.ASCII.GetString(bytes).IndexOf(digest, StringComparison.Ordinal);
        Assert.True(at > 0);
        bytes[at] = (byte)(bytes[at] == (byte)'0' ? '1' : '0');
        string changed = _files.Write("changed.log", bytes);
        (code, stdout, _) = Cli("eventlog", "verify", "--log", changed, "--tpm", tpm.Spec.ToString());
        Assert.Equal(1, code);
        Assert.Contains("PCR 9 sha256: MISMATCH", stdout);
        Assert.Contains("PCR 8 sha256: ok", stdout);
        // A changed byte that breaks the format is a bad log (exit 2), never an accepted one.
        bytes = File.ReadAllBytes(logPath);
        bytes[Array.IndexOf(bytes, (byte)'{')] = (byte)'[';
        (code, _, stderr) = Cli("eventlog", "verify", "--log", _files.Write("broken.log", bytes), "--tpm", tpm.Spec.ToString());
        Assert.Equal(2, code);
        Assert.Contains("line 1", stderr);
    }

    /// <summary>Runs the built fobnail-init (its dll, copied next to the tests) as a process.</summary>
    public static CommandResult Cli(params string[] args) => FobnailInitProcess.Run(args, TimeSpan.FromSeconds(60));
}
