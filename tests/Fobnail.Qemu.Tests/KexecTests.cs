using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Fobnail.Qemu.Tests;

/// <summary>
/// The measured handoff in a real kernel: /init measures /boot/vmlinuz, /boot/initrd and the command line,
/// kexec_file_loads them and reboots into a second kernel, whose /init (from that initrd) runs and powers off.
/// The test initramfs is out/initramfs.cpio.xz's files plus /boot/vmlinuz (the test kernel) and /boot/initrd
/// (out/initramfs.cpio.xz itself).
/// </summary>
public sealed class KexecTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(240);
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(120);
    private const string SecondCmdline = "console=ttyS0 loglevel=6 panic=-1 fobnail.steps=modules fobnail.final=poweroff kexec_test_marker=1";
    private static readonly Lazy<string> KexecInitramfs = new(() => BuildKexecInitramfs(Repo.Initramfs, "kexec-test-initramfs"));

    /// <summary>Our initramfs plus /boot/vmlinuz (the test kernel) and /boot/initrd (<paramref name="targetInitrd"/>).</summary>
    internal static string BuildKexecInitramfs(string targetInitrd, string name)
    {
        string work = Directory.CreateTempSubdirectory("fobnail-kexec-initramfs-").FullName;
        string root = Path.Combine(work, "root");
        Directory.CreateDirectory(root);
        string result = Path.Combine(Repo.Root, "out", $"{name}.cpio.xz");
        try
        {
            Shell($"xz -dc '{Repo.Initramfs}' | (cd '{root}' && cpio -idm --quiet)");
            Directory.CreateDirectory(Path.Combine(root, "boot"));
            File.Copy(Repo.Kernel, Path.Combine(root, "boot", "vmlinuz"));
            File.Copy(targetInitrd, Path.Combine(root, "boot", "initrd"));
            Shell($"cd '{root}' && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | xz --check=crc32 -T1 > '{result}'");
            return result;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static void Shell(string script)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-euo");
        psi.ArgumentList.Add("pipefail");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        using var p = Process.Start(psi)!;
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{script}: {stderr}");
    }

    /// <summary>Boots the kexec test initramfs with 1 GiB (it holds a second kernel and initrd).</summary>
    private static QemuMachine Start(string name, string parameters, IReadOnlyList<string>? extra = null) => QemuMachine.Start(new()
    {
        Name = name,
        Initramfs = KexecInitramfs.Value,
        MemoryMiB = 1024,
        KernelParameters = parameters,
        ExtraArguments = extra ?? [],
    });

    /// <summary>Kernel parameters that kexec /boot/vmlinuz with /boot/initrd and <see cref="SecondCmdline"/>.</summary>
    private const string KexecParameters = "fobnail.kexec.kernel=/boot/vmlinuz fobnail.kexec.initrd=/boot/initrd " +
        $"fobnail.kexec.cmdline=\"{SecondCmdline}\"";

    private static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    [Fact]
    public async Task Measures_loads_and_kexecs_into_a_second_kernel_that_boots_our_initrd_and_powers_off()
    {
        await using var vm = Start("kexec-handoff", $"fobnail.steps=modules,kexec fobnail.kexec.require_attestation=0 {KexecParameters} fobnail.onfailure=poweroff");

        var (_, firstInit) = await vm.WaitForAsync(@"INF fobnail-init \S+ running as PID 1$", Boot);
        await vm.WaitForAsync(@"WRN kexec: UNATTESTED KEXEC: no attestation verdict", Step, firstInit);
        // The digests in the log are those of the exact files we put in the initramfs, and of the cmdline + NUL.
        string kernelSha = Sha256(File.ReadAllBytes(Repo.Kernel)), initrdSha = Sha256(File.ReadAllBytes(Repo.Initramfs));
        string cmdlineSha = Sha256([.. Encoding.UTF8.GetBytes(SecondCmdline), 0]);
        await vm.WaitForAsync($@"INF kexec: measured PCR 9 sha1:[0-9a-f]{{40}} sha256:{kernelSha} kernel /boot/vmlinuz \(\d+ bytes\)$", Step, firstInit);
        await vm.WaitForAsync($@"INF kexec: measured PCR 9 sha1:[0-9a-f]{{40}} sha256:{initrdSha} initrd /boot/initrd \(\d+ bytes\)$", Step, firstInit);
        await vm.WaitForAsync($@"INF kexec: measured PCR 8 sha1:[0-9a-f]{{40}} sha256:{cmdlineSha} cmdline ""{Regex.Escape(SecondCmdline)}""", Step, firstInit);
        await vm.WaitForAsync(@"INF kexec: loaded /boot/vmlinuz with initrd /boot/initrd \(3 measurements not extended into a TPM\)", Step, firstInit);
        var (_, rebooting) = await vm.WaitForAsync(@"INF kexec: rebooting into /boot/vmlinuz", Step, firstInit);

        // The second kernel: its own banner and command line, then our /init from /boot/initrd as PID 1 again.
        var (_, banner) = await vm.WaitForAsync(@"Linux version \d", Boot, rebooting);
        await vm.WaitForAsync(@"Kernel command line: .*kexec_test_marker=1", Step, banner);
        var (_, secondInit) = await vm.WaitForAsync(@"INF fobnail-init \S+ running as PID 1$", Boot, banner);
        await vm.WaitForAsync(@"INF configuration: steps=modules final=poweroff", Step, secondInit);
        await vm.WaitForAsync(@"INF poweroff: all steps done", Step, secondInit);

        int exit = await vm.WaitForExitAsync(Step);
        string log = vm.Transcript;
        Assert.Equal(0, exit);
        Assert.Equal(2, Regex.Matches(log, @"INF fobnail-init \S+ running as PID 1").Count);
        Assert.Contains("reboot: Power down", log);
        Assert.DoesNotContain("Kernel panic", log);
        Assert.DoesNotContain("step kexec: FAILED", log);
        output.WriteLine($"kexec handoff at serial line {rebooting}, second /init at line {secondInit}; log {vm.LogPath}");
    }

    [Fact]
    public async Task With_a_tpm_the_measurements_are_extended_and_pcr_8_and_9_end_at_the_independently_computed_chain()
    {
        string state = Directory.CreateTempSubdirectory("fobnail-kexec-swtpm-").FullName;
        string socket = Path.Combine(state, "swtpm.sock");
        // A fresh software TPM for the guest (QEMU's tpm-tis over swtpm's control channel); it exits with QEMU.
        using var swtpm = Process.Start(new ProcessStartInfo("swtpm",
            ["socket", "--tpm2", "--tpmstate", $"dir={state}", "--ctrl", $"type=unixio,path={socket}", "--terminate"])
            { RedirectStandardOutput = true, RedirectStandardError = true })!;
        try
        {
            for (int i = 0; i < 100 && !File.Exists(socket); i++) await Task.Delay(50);
            Assert.True(File.Exists(socket), "swtpm did not create its control socket");
            await using var vm = Start("kexec-tpm", $"fobnail.steps=modules,kexec fobnail.kexec.require_attestation=0 {KexecParameters} fobnail.onfailure=poweroff",
                ["-chardev", $"socket,id=chrtpm,path={socket}", "-tpmdev", "emulator,id=tpm0,chardev=chrtpm", "-device", "tpm-tis,tpmdev=tpm0"]);

            var (_, firstInit) = await vm.WaitForAsync(@"INF fobnail-init \S+ running as PID 1$", Boot);
            var (pcr8, _) = await vm.WaitForAsync(@"INF kexec: PCR 8 sha256: ([0-9a-f]{64}) -> ([0-9a-f]{64})$", Step, firstInit);
            var (pcr9, _) = await vm.WaitForAsync(@"INF kexec: PCR 9 sha256: ([0-9a-f]{64}) -> ([0-9a-f]{64})$", Step, firstInit);
            var (_, loaded) = await vm.WaitForAsync(@"INF kexec: loaded /boot/vmlinuz with initrd /boot/initrd \(3 measurements extended into \S*tpm", Step, firstInit);

            // PCR_new = SHA-256(PCR_old || SHA-256(data)), computed here from the files we packed.
            static byte[] Extend(byte[] pcr, byte[] data) => SHA256.HashData([.. pcr, .. SHA256.HashData(data)]);
            byte[] nine = Extend(Extend(Convert.FromHexString(pcr9.Groups[1].Value), File.ReadAllBytes(Repo.Kernel)), File.ReadAllBytes(Repo.Initramfs));
            byte[] eight = Extend(Convert.FromHexString(pcr8.Groups[1].Value), [.. Encoding.UTF8.GetBytes(SecondCmdline), 0]);
            Assert.Equal(Convert.ToHexStringLower(nine), pcr9.Groups[2].Value);
            Assert.Equal(Convert.ToHexStringLower(eight), pcr8.Groups[2].Value);

            await vm.WaitForAsync(@"Kernel command line: .*kexec_test_marker=1", Boot, loaded);
            await vm.WaitForAsync(@"INF poweroff: all steps done", Boot, loaded);
            Assert.Equal(0, await vm.WaitForExitAsync(Step));
            output.WriteLine($"PCR 9 sha256 {pcr9.Groups[1].Value} -> {pcr9.Groups[2].Value}; log {vm.LogPath}");
        }
        finally
        {
            if (!swtpm.HasExited) swtpm.Kill();
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task By_default_no_attestation_verdict_means_no_kexec_and_the_failure_action_runs()
    {
        await using var vm = Start("kexec-refused", $"fobnail.steps=modules,kexec {KexecParameters} fobnail.onfailure=poweroff fobnail.final=reboot");

        await vm.WaitForAsync(@"ERR step kexec: FAILED after \d+ ms: refusing to kexec: no attestation verdict", Boot);
        await vm.WaitForAsync(@"INF poweroff: boot failed: refusing to kexec", Step);
        int exit = await vm.WaitForExitAsync(Step);
        string log = vm.Transcript;
        Assert.Equal(0, exit);
        Assert.Contains("reboot: Power down", log);
        Assert.Single(Regex.Matches(log, @"running as PID 1"));
        Assert.DoesNotContain("kexec: measured", log);
        Assert.DoesNotContain("kexec: loaded", log);
        Assert.DoesNotContain("Kernel panic", log);
    }
}
