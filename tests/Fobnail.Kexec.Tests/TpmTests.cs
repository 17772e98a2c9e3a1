using System.Diagnostics;
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

    /// <summary>Runs the built fobnail-init (its dll, copied next to the tests) as a process.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Cli(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])[Path.Combine(AppContext.BaseDirectory, "fobnail-init.dll"), .. args])
            psi.ArgumentList.Add(a);
        // The product targets net9.0; the test machine only has the net10.0 runtime.
        psi.Environment["DOTNET_ROLL_FORWARD"] = "Major";
        using Process p = Process.Start(psi)!;
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "fobnail-init did not finish");
        return (p.ExitCode, stdout, stderr.Result);
    }
}
