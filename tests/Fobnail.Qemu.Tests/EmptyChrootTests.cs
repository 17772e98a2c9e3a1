using System.Diagnostics;
using Fobnail.Testing.Network;
using System.Text.Json;
using Fobnail.Qemu.Tests.Demo;

namespace Fobnail.Qemu.Tests;

/// <summary>
/// out/fobnail-init in a chroot that holds nothing else: no libc.so, no libssl, no /etc, no /proc, as in the
/// initramfs. Every crypto path the product has runs there (the measurement digests of every bank, the TPM
/// commands' digests and RSA/ECC work against swtpm on loopback, the token protocol's hashing, certificate
/// parsing and signatures against the emulator on loopback): a change that makes any of them load OpenSSL
/// (the .NET crypto classes, BouncyCastle's SecureRandom) or a library by a name DirectPInvoke does not list
/// fails here instead of in a boot. Serilog is kept off `kexec measure` for the same reason: an event it
/// writes touches Activity/Guid.NewGuid, which throws without /dev (seen in this chroot).
/// </summary>
public sealed class EmptyChrootTests : IClassFixture<TpmFixture>, IDisposable
{
    private readonly TpmFixture _tpm;
    private readonly string _root;

    public EmptyChrootTests(TpmFixture tpm)
    {
        _tpm = tpm;
        _root = Directory.CreateTempSubdirectory("fobnail-chroot-").FullName;
        File.Copy(Repo.InitBinary, Path.Combine(_root, "fobnail-init"));
        File.SetUnixFileMode(Path.Combine(_root, "fobnail-init"), (UnixFileMode)0b111_101_101);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private (int Exit, string Stdout, string Stderr) InChroot(params string[] args)
    {
        var psi = new ProcessStartInfo("chroot") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(_root);
        psi.ArgumentList.Add("/fobnail-init");
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(), stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            p.Kill();
            Assert.Fail($"fobnail-init {string.Join(' ', args)} did not finish in the chroot");
        }
        p.WaitForExit();
        var result = (p.ExitCode, stdout.Result, stderr.Result);
        // An OpenSSL load fails with a DllNotFound/TypeInitialization message or an abort (exit 134).
        Assert.DoesNotContain("libssl", result.Item2 + result.Item3);
        Assert.DoesNotContain("DllNotFoundException", result.Item2 + result.Item3);
        return result;
    }

    private string AddFile(string name, string source)
    {
        File.Copy(source, Path.Combine(_root, name));
        return "/" + name;
    }

    [Fact]
    public void The_chroot_holds_only_the_binary()
    {
        string[] entries = Directory.EnumerateFileSystemEntries(_root).Select(e => Path.GetFileName(e)).ToArray();
        Assert.Equal(["fobnail-init"], entries);
        var (exit, stdout, stderr) = InChroot("--version");
        Assert.True(exit == 0, stderr);
        Assert.Matches(@"^\d+\.\d+\.\d+", stdout);
    }

    [Fact]
    public void Measuring_every_bank_gives_coreutils_digests()
    {
        string kernel = AddFile("vmlinuz", Repo.Kernel);
        var (exit, stdout, stderr) = InChroot("kexec", "measure", kernel, "--banks", "sha1,sha256,sha384,sha512,sm3_256", "--json");
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        JsonElement digests = JsonDocument.Parse(stdout).RootElement.GetProperty("events")[0].GetProperty("digests");
        foreach (string tool in new[] { "sha1", "sha256", "sha384", "sha512" })
            Assert.Equal(Coreutils(tool + "sum", Repo.Kernel), digests.GetProperty(tool).GetString());
        Assert.Equal(64, digests.GetProperty("sm3_256").GetString()!.Length);
    }

    [Fact]
    public void Tpm_commands_run_against_swtpm()
    {
        string tpm = _tpm.Spec.ToString();
        AddEkChain();
        foreach (string[] command in new[]
                 {
                     new[] { "tpm", "info" },
                     ["tpm", "pcrs"],
                     ["tpm", "ek", "--create", "--chain-dir", "/ek-chain"],
                     ["tpm", "aik", "--create"],
                     ["tpm", "quote", "--create", "--nonce", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"],
                 })
        {
            var (exit, stdout, stderr) = InChroot([.. command, "--tpm", tpm]);
            Assert.True(exit == 0, $"{string.Join(' ', command)}: exit {exit}: {stdout} {stderr}");
        }
    }

    [Fact]
    public async Task Provisioning_and_attestation_run_against_the_token_emulator()
    {
        string state = Path.Combine(_root, "..", Path.GetFileName(_root) + "-token");
        string roots = Path.Combine(state, "ek-roots");
        Directory.CreateDirectory(roots);
        File.Copy(Path.Combine(_tpm.CaDir!, "swtpm-localca-rootca-cert.pem"), Path.Combine(roots, "root.pem"));
        AddEkChain();
        int port = FreePorts.Udp();
        await using var emulator = LoggedProcess.Start("token emulator", "dotnet", [TokenNamespace.EmulatorDll, "--provisioned",
            "--state", Path.Combine(state, "state"), "--ek-roots", roots, "--listen", $"127.0.0.1:{port}"]);
        try
        {
            await emulator.WaitForAsync("emulator listening on", TimeSpan.FromSeconds(120));
            var (exit, stdout, stderr) = InChroot("attest", "--provision", "--json", "--token", $"127.0.0.1:{port}", "--tpm", _tpm.Spec.ToString(),
                "--ek-chain", "/ek-chain", "--meta", "mac=52:54:00:c1:c1:02", "--meta", "manufacturer=Fobnail", "--meta", "product_name=chroot",
                "--meta", "serial_number=chroot-1");
            Assert.True(exit == 0, $"exit {exit}: {stdout} {stderr}");
            Assert.Equal("Trusted", JsonDocument.Parse(stdout).RootElement.GetProperty("attestation").GetString());
        }
        finally
        {
            await emulator.KillAsync();
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>/ek-chain: the swtpm local CA's intermediate, which the EK certificate chains to.</summary>
    private void AddEkChain()
    {
        Directory.CreateDirectory(Path.Combine(_root, "ek-chain"));
        File.Copy(Path.Combine(_tpm.CaDir!, "issuercert.pem"), Path.Combine(_root, "ek-chain", "1-issuer.pem"));
    }

    private static string Coreutils(string tool, string file) => Command.Output(tool, file).Split(' ')[0];

}
