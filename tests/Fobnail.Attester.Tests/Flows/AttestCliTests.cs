using System.Diagnostics;
using System.Text.Json;
using Fobnail.Testing.Network;
using Fobnail.Tpm;

namespace Fobnail.Attester.Tests.Flows;

/// <summary>`fobnail-init attest|fs|platform` as a process against swtpm and the emulator on 127.0.0.1.</summary>
[Collection(TpmCollection.Name)]
public class AttestCliTests(TpmFixture tpm)
{
    private static readonly string[] Meta = ["--meta", "mac=52:54:00:c1:c1:01", "--meta", "manufacturer=Fobnail", "--meta", "product_name=CLI test", "--meta"];

    private CommandResult Cli(TokenPeer token, string serial, params string[] args)
    {
        return FobnailInitProcess.Run([.. args, "--token", token.EndPoint.ToString(), "--tpm", tpm.Spec.ToString(),
            "--ek-chain", token.EkChainDir, .. Meta, "serial_number=" + serial], TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Attest_exit_codes_name_the_verdict_and_fs_round_trips_a_file()
    {
        await using TokenPeer token = TokenPeer.Start(tpm);
        tpm.With(t => new TpmAttestationKeys(t).EnsureAik(allowCreate: true));

        var (code, stdout, stderr) = Cli(token, "cli-1", "attest", "--json");
        Assert.True(code == 11, $"exit {code}: {stdout} {stderr}");   // platform not provisioned yet
        Assert.Equal("PlatformNotProvisioned", JsonDocument.Parse(stdout).RootElement.GetProperty("attestation").GetString());

        (code, stdout, stderr) = Cli(token, "cli-1", "attest", "--provision", "--json");
        Assert.True(code == 0, $"exit {code}: {stdout} {stderr}");
        JsonElement json = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("Provisioned", json.GetProperty("provisioning").GetString());
        Assert.Equal("Trusted", json.GetProperty("attestation").GetString());
        Assert.Equal(64, json.GetProperty("platform_id").GetString()!.Length);

        string file = Path.Combine(token.Dir, "in.bin"), back = Path.Combine(token.Dir, "out.bin");
        byte[] content = new byte[3000];
        new Random(3).NextBytes(content);
        File.WriteAllBytes(file, content);
        (code, _, stderr) = Cli(token, "cli-1", "fs", "put", "cfg", "--file", file);
        Assert.True(code == 0, stderr);
        Assert.Contains("3000 bytes created", stderr);
        (code, _, stderr) = Cli(token, "cli-1", "fs", "get", "cfg", "--file", back);
        Assert.True(code == 0, stderr);
        Assert.Equal(content, File.ReadAllBytes(back));
        (code, _, stderr) = Cli(token, "cli-1", "fs", "rm", "cfg");
        Assert.True(code == 0, stderr);
        (code, _, _) = Cli(token, "cli-1", "fs", "get", "cfg");
        Assert.Equal(15, code);
    }

    [Fact]
    public void Platform_metadata_json_shows_the_cbor_and_its_sha256()
    {
        var (code, stdout, stderr) = FobnailInitProcess.Run(["platform", "metadata", "--json", .. Meta, "serial_number=S1"], TimeSpan.FromSeconds(30));
        Assert.True(code == 0, stderr);
        JsonElement json = JsonDocument.Parse(stdout).RootElement;
        byte[] cbor = Convert.FromHexString(json.GetProperty("metadata_cbor").GetString()!);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(cbor)), json.GetProperty("platform_id").GetString());
        Assert.Equal("52:54:00:c1:c1:01", json.GetProperty("mac").GetString());
        Assert.Equal("S1", Protocol.Metadata.Decode(cbor).SerialNumber);
    }

    [Fact]
    public async Task An_unreachable_token_exits_13()
    {
        await using TokenPeer token = TokenPeer.Start(tpm);
        using var relay = UdpRelay.SilentAfter(token.EndPoint, 0);
        tpm.With(t => new TpmAttestationKeys(t).EnsureAik(allowCreate: true));
        var clock = Stopwatch.StartNew();
        var (code, stdout, stderr) = FobnailInitProcess.Run(["attest", "--ack-timeout", "0.2", "--token", relay.EndPoint.ToString(), "--tpm", tpm.Spec.ToString(), .. Meta, "serial_number=x"], TimeSpan.FromSeconds(60));
        // 0.2 s × 1.5 × (1 + 2 + 4 + 8 + 16) ≈ 9.3 s at most for the CoAP back-off, plus process start-up.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        Assert.True(code == 13, $"exit {code}: {stdout} {stderr}");
        Assert.Contains("token unreachable", stdout);
    }
}
