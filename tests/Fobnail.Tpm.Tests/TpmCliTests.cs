using System.Diagnostics;
using System.Text.Json;
using Fobnail.Tpm;

namespace Fobnail.Tpm.Tests;

/// <summary>`fobnail-init tpm ...` as a process against the fixture's TPM, checked with tpm2-tools.</summary>
[Collection(TpmCollection.Name)]
[Trait("Category", TpmCollection.Trait)]
public sealed class TpmCliTests(TpmFixture tpm)
{
    private CommandResult Cli(params string[] args)
    {
        string[] target = args.Contains("--tpm") ? [] : ["--tpm", tpm.Spec.ToString()];
        return FobnailInitProcess.Run(["tpm", .. args, .. target], TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void Aik_json_reports_the_key_tpm2_readpublic_sees()
    {
        var (code, stdout, stderr) = Cli("aik", "--create", "--json");
        Assert.True(code == 0, stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        Assert.Equal("0x8100F0BA", doc.RootElement.GetProperty("handle").GetString());
        Assert.Equal("0x00060472", doc.RootElement.GetProperty("attributes").GetString());
        string file = tpm.NewFile("aik.pub");
        tpm.Tool("tpm2_readpublic", "-c", "0x8100F0BA", "-f", "tss", "-o", file);
        Assert.Equal(Convert.ToHexString(File.ReadAllBytes(file)), doc.RootElement.GetProperty("tpm2b_public").GetString());
    }

    /// <summary>A directory where an output file belongs: one line and exit code 2, not UnauthorizedAccessException.</summary>
    [Theory]
    [InlineData("quote", "--attest-out")]
    [InlineData("quote", "--signature-out")]
    [InlineData("ek", "--cert-out")]
    [InlineData("aik", "--public-out")]
    public void A_directory_as_an_output_file_is_a_usage_error(string command, string option)
    {
        string dir = Path.GetDirectoryName(tpm.NewFile("out"))!;
        string[] args = command == "quote" ? ["quote", "--nonce", "00", option, dir] : [command, "--create", option, dir];
        var (code, _, stderr) = Cli(args);
        Assert.True(code == 2, $"exit {code}: {stderr}");
        Assert.Contains($"{option} {dir}: is a directory", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void Quote_files_verify_with_tpm2_checkquote()
    {
        Assert.Equal(0, Cli("aik", "--create").ExitCode);
        string nonce = Convert.ToHexString(Guid.NewGuid().ToByteArray()) + Convert.ToHexString(Guid.NewGuid().ToByteArray());
        string attest = tpm.NewFile("attest"), sig = tpm.NewFile("sig"), pub = tpm.NewFile("pub");
        var (code, stdout, stderr) = Cli("quote", "--nonce", nonce, "--pcrs", "sha256:0-7,17,18", "--attest-out", attest, "--signature-out", sig);
        Assert.True(code == 0, stderr);
        Assert.Contains("safe: yes", stdout);
        tpm.Tool("tpm2_readpublic", "-c", "0x8100F0BA", "-f", "tss", "-o", pub);
        tpm.Tool("tpm2_checkquote", "-u", pub, "-m", attest, "-s", sig, "-g", "sha256", "-q", nonce);
    }

    [Fact]
    public void Pcrs_info_and_ek_print_and_errors_exit_nonzero()
    {
        var (code, stdout, stderr) = Cli("pcrs", "--json");
        Assert.True(code == 0, stderr);
        using (JsonDocument doc = JsonDocument.Parse(stdout))
        {
            JsonElement banks = doc.RootElement.GetProperty("banks");
            Assert.Contains(banks.EnumerateArray(), b => b.GetProperty("algo_id").GetUInt16() == 0x000B && b.GetProperty("pcrs").GetString() == "0x00FFFFFF");
            Assert.All(banks.EnumerateArray(), b => Assert.Equal(24, b.GetProperty("pcr").EnumerateObject().Count()));
        }

        (code, stdout, stderr) = Cli("info");
        Assert.True(code == 0, stderr);
        string manufacturer = System.Text.RegularExpressions.Regex.Match(tpm.Tool("tpm2_getcap", "properties-fixed"),
            @"TPM2_PT_MANUFACTURER:\s+raw: 0x[0-9A-F]+\s+value: ""([^""]*)""").Groups[1].Value;
        Assert.NotEmpty(manufacturer);
        Assert.Contains($"manufacturer: {manufacturer.TrimEnd()}", stdout);
        Assert.Contains("- sha256 (24 PCRs)", stdout);

        (code, stdout, stderr) = Cli("ek", "--create", "--json");
        Assert.True(code == 0, stderr);
        using (JsonDocument doc = JsonDocument.Parse(stdout))
            Assert.True(doc.RootElement.GetProperty("certificate_matches_ek").GetBoolean());

        (code, _, stderr) = Cli("quote", "--nonce", "00", "--pcrs", "md5:1");
        Assert.Equal(2, code);
        Assert.Contains("md5", stderr);
        (code, _, stderr) = Cli("pcrs", "--tpm", "device:/nonexistent/tpm");
        Assert.Equal(1, code);
        Assert.Contains("/nonexistent/tpm", stderr);
    }
}
