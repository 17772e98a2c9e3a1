using System.Text.RegularExpressions;
using Fobnail.Qemu.Tests.Demo;
using Xunit.Abstractions;

namespace Fobnail.Qemu.Tests;

/// <summary>
/// The product's main job in a QEMU guest, with /init on its defaults: /init (PID 1) loads modules; the token (its
/// USB twin on xHCI: 1234:4321, CDC EEM, its Ethernet on a tap inside a network namespace where the token emulator
/// listens on 169.254.0.1:5683) is hot-plugged once /init waits for it; /init configures the link, provisions the platform and attests it with the guest's TPM (an swtpm
/// with an EK certificate from its own local CA, which the emulator trusts), and measures and kexecs the target
/// kernel only if the token said Trusted. The platform metadata is QEMU's SMBIOS type 1 plus a MAC given on the
/// command line (the guest has no PCI NIC driver).
/// </summary>
public sealed class EndToEndTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(240);
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(120);
    private const string SecondCmdline = "console=ttyS0 loglevel=6 panic=-1 fobnail.steps=modules fobnail.final=poweroff e2e_second_kernel=1";
    private const string Mac = "52:54:00:f0:b0:01";

    /// <summary>The guest's attesting command line; <paramref name="provision"/> is fobnail.provision.</summary>
    private static string Parameters(string provision) =>
        "fobnail.steps=modules,network,attest,kexec fobnail.onfailure=poweroff " +
        $"fobnail.provision={provision} fobnail.attest.mac={Mac} fobnail.attest.ek_chain={DemoInitramfs.EkChainDir} " +
        $"fobnail.kexec.kernel=/boot/vmlinuz fobnail.kexec.initrd=/boot/initrd fobnail.kexec.cmdline=\"{SecondCmdline}\"";

    /// <summary>
    /// SMBIOS type 1 of the guest. <paramref name="version"/> (System Version) is not part of the Fobnail metadata
    /// (§6.1) but SeaBIOS measures the whole SMBIOS table into PCR 1, so changing it changes a policy PCR of the
    /// same platform: a firmware configuration change the token must catch.
    /// </summary>
    private static string[] Smbios(string version) =>
        ["-smbios", $"type=1,manufacturer=Fobnail Demo,product=QEMU Guest,serial=E2E-0001,version={version}"];

    private static QemuMachine StartGuest(string name, TokenNamespace token, GuestTpm tpm, string initramfs, string parameters, string smbiosVersion) =>
        QemuMachine.Start(new()
        {
            Name = name,
            Initramfs = initramfs,
            MemoryMiB = 1024,
            NetNamespace = token.Name,
            KernelParameters = parameters,
            ExtraArguments = [.. tpm.StartForQemu(), "-device", "qemu-xhci,id=xhci", .. Smbios(smbiosVersion)],
        });

    /// <summary>Plugs the token in once /init waits for it, as a person would.</summary>
    private static async Task<int> PlugTokenWhenAskedAsync(QemuMachine vm, UsbTwin twin, int from)
    {
        // From the start of the boot, so as long as a boot may take.
        var (_, waiting) = await vm.WaitForAsync(@"INF attest: waiting up to \d+ s for the token", Boot, from);
        await twin.PlugAsync(vm, "xhci.0");
        return waiting;
    }

    [Fact]
    public async Task Provisions_attests_trusted_and_kexecs_into_the_measured_kernel()
    {
        await using var rig = await DemoRig.CreateAsync("e2e-happy");
        var (tpm, token, initramfs) = (rig.Tpm, rig.Token, rig.Initramfs);
        await using var vm = StartGuest("e2e-happy", token, tpm, initramfs, Parameters("1"), "1.0");

        var (_, init) = await vm.WaitForAsync(@"INF fobnail-init \S+ running as PID 1$", Boot);
        int waiting = await PlugTokenWhenAskedAsync(vm, rig.Twin, init);
        await vm.WaitForAsync(@"INF attest: token link ready on \S+; talking to 169\.254\.0\.1:5683", Step, waiting);
        // The metadata (§6): QEMU's SMBIOS type 1 strings and the MAC from fobnail.attest.mac.
        await vm.WaitForAsync(@"INF platform metadata: manufacturer=""Fobnail Demo"" product_name=""QEMU Guest"" serial_number=""E2E-0001"" mac=52:54:00:f0:b0:01 id=[0-9a-f]{64}$", Step, waiting);
        var (_, provisioned) = await vm.WaitForAsync(@"INF provisioning: platform provisioned", Step, waiting);
        var (_, trusted) = await vm.WaitForAsync(@"INF attestation: TRUSTED", Step, provisioned);
        await vm.WaitForAsync(@"INF step attest: done in \d+ ms: attestation: TRUSTED", Step, trusted);
        // The verdict lets the kexec step through: measured into PCR 8/9 of the same TPM, loaded, rebooted.
        await vm.WaitForAsync(@"INF kexec: loaded /boot/vmlinuz with initrd /boot/initrd \(3 measurements extended into", Step, trusted);
        var (_, rebooting) = await vm.WaitForAsync(@"INF kexec: rebooting into /boot/vmlinuz", Step, trusted);
        var (_, banner) = await vm.WaitForAsync(@"Linux version \d", Boot, rebooting);
        await vm.WaitForAsync(@"Kernel command line: .*e2e_second_kernel=1", Step, banner);
        var (_, second) = await vm.WaitForAsync(@"INF fobnail-init \S+ running as PID 1$", Boot, banner);
        await vm.WaitForAsync(@"INF poweroff: all steps done", Step, second);
        Assert.Equal(0, await vm.WaitForExitAsync(Step));

        // The token's side of the story: the platform was provisioned and attested, the green LED came on.
        await token.WaitForAsync(@"LED: AttestationOk", Step);
        Assert.DoesNotContain("Kernel panic", vm.Transcript);
        Assert.DoesNotContain("FAILED", vm.Transcript);
        output.WriteLine($"guest log {vm.LogPath}; token log {token.LogPath}");
    }

    [Fact]
    public async Task A_changed_pcr_after_provisioning_is_not_trusted_so_nothing_is_kexeced_and_the_failure_action_runs()
    {
        await using var rig = await DemoRig.CreateAsync("e2e-tamper");
        var (tpm, token, initramfs) = (rig.Tpm, rig.Token, rig.Initramfs);

        // Boot 1: a fresh TPM has no AIK, so fobnail.provision=unknown provisions before attesting. No kexec; power off.
        string firstBoot = Parameters("unknown").Replace(",kexec ", " ", StringComparison.Ordinal) + " fobnail.final=poweroff";
        await using (var first = StartGuest("e2e-tamper-1", token, tpm, initramfs, firstBoot, "1.0"))
        {
            int waiting = await PlugTokenWhenAskedAsync(first, rig.Twin, 0);
            var (_, unknown) = await first.WaitForAsync(@"INF attest: no AIK at 0x8100F0BA in the TPM, so no token knows this platform; provisioning it \(fobnail.provision=unknown\)", Step, waiting);
            var (_, provisioned) = await first.WaitForAsync(@"INF provisioning: platform provisioned", Step, unknown);
            await first.WaitForAsync(@"INF attestation: TRUSTED", Step, provisioned);
            await first.WaitForAsync(@"INF poweroff: all steps done", Step, waiting);
            Assert.Equal(0, await first.WaitForExitAsync(Step));
        }

        // Boot 2: same platform identity (same metadata, same TPM), but the firmware's SMBIOS table changed, so
        // SeaBIOS extended a different value into PCR 1. No provisioning this time.
        await using var vm = StartGuest("e2e-tamper-2", token, tpm, initramfs, Parameters("0"), "1.1-tampered");
        int asked = await PlugTokenWhenAskedAsync(vm, rig.Twin, 0);
        var (_, refused) = await vm.WaitForAsync(@"INF attestation: NOT TRUSTED, the token rejected the evidence", Step, asked);
        await vm.WaitForAsync(@"ERR step attest: FAILED after \d+ ms: attestation: NOT TRUSTED", Step, refused);
        await vm.WaitForAsync(@"INF poweroff: boot failed: attestation: NOT TRUSTED", Step, refused);
        Assert.Equal(0, await vm.WaitForExitAsync(Step));
        // The token's reason: the quote's PCR digest is not the RIM's (not a signature or nonce problem).
        await token.WaitForAsync(@"Attestation failed: PCRs don't match the RIM", Step);

        string log = vm.Transcript;
        Assert.DoesNotContain("provisioning:", log);
        Assert.DoesNotContain("kexec: measured", log);
        Assert.DoesNotContain("kexec: loaded", log);
        Assert.Single(Regex.Matches(log, @"running as PID 1$", RegexOptions.Multiline));
        Assert.Contains("reboot: Power down", log);
        output.WriteLine($"guest log {vm.LogPath}; token log {token.LogPath}");
    }

    [Fact]
    public async Task Unplugging_the_token_during_attestation_fails_with_the_link_event_as_the_reason()
    {
        await using var rig = await DemoRig.CreateAsync("e2e-unplug");
        var (tpm, token, initramfs) = (rig.Tpm, rig.Token, rig.Initramfs);
        // A token that stops answering keeps the attester waiting on its first request: the unplug lands mid-flow.
        await token.FreezeAsync();
        await using var vm = StartGuest("e2e-unplug", token, tpm, initramfs, Parameters("1"), "1.0");

        int waiting = await PlugTokenWhenAskedAsync(vm, rig.Twin, 0);
        var (_, ready) = await vm.WaitForAsync(@"INF attest: token link ready on \S+; talking to", Step, waiting);
        await rig.Twin.UnplugAsync(vm);
        var (_, failed) = await vm.WaitForAsync(@"ERR step attest: FAILED after \d+ ms: the token went away during attestation \(Ready -> \w+ ", Step, ready);
        await vm.WaitForAsync(@"INF poweroff: boot failed: the token went away during attestation", Step, failed);
        Assert.Equal(0, await vm.WaitForExitAsync(Step));
        Assert.DoesNotContain("kexec: measured", vm.Transcript);
        Assert.DoesNotContain("attestation: TRUSTED", vm.Transcript);
    }

    [Fact]
    public async Task Without_a_token_within_attest_wait_the_verdict_fails_and_nothing_is_kexeced()
    {
        await using var rig = await DemoRig.CreateAsync("e2e-notoken");
        await using var vm = StartGuest("e2e-notoken", rig.Token, rig.Tpm, rig.Initramfs, Parameters("1") + " fobnail.attest.wait=3", "1.0");

        var (_, waiting) = await vm.WaitForAsync(@"INF attest: waiting up to 3 s for the token", Boot);
        await vm.WaitForAsync(@"ERR step attest: FAILED after \d+ ms: the token was not ready within 3 s \(fobnail.attest.wait\); link: .*Absent", Step, waiting);
        await vm.WaitForAsync(@"INF poweroff: boot failed: the token was not ready within 3 s", Step, waiting);
        Assert.Equal(0, await vm.WaitForExitAsync(Step));
        Assert.DoesNotContain("kexec: measured", vm.Transcript);
        Assert.DoesNotContain("platform metadata", vm.Transcript);
    }

    [Fact]
    public async Task A_token_that_forgot_the_platform_gets_it_provisioned_again_with_provision_unknown_then_kexec()
    {
        await using var rig = await DemoRig.CreateAsync("e2e-reflash");
        string noKexec = Parameters("1").Replace(",kexec ", " ", StringComparison.Ordinal) + " fobnail.final=poweroff";
        await using (var first = StartGuest("e2e-reflash-1", rig.Token, rig.Tpm, rig.Initramfs, noKexec, "1.0"))
        {
            int waiting = await PlugTokenWhenAskedAsync(first, rig.Twin, 0);
            await first.WaitForAsync(@"INF attestation: TRUSTED", Step, waiting);
            Assert.Equal(0, await first.WaitForExitAsync(Step));
        }

        // The token is re-flashed: the TPM still has its AIK, but the token knows no platform.
        await rig.Token.StartEmulatorAsync(rig.Tpm.EkRootsDir, reflash: true);
        await using var vm = StartGuest("e2e-reflash-2", rig.Token, rig.Tpm, rig.Initramfs, Parameters("unknown"), "1.0");
        int asked = await PlugTokenWhenAskedAsync(vm, rig.Twin, 0);
        var (_, unknown) = await vm.WaitForAsync(@"INF attestation: platform not provisioned on this token", Step, asked);
        await vm.WaitForAsync(@"INF attest: the token does not know this platform; provisioning it \(fobnail.provision=unknown\)", Step, unknown);
        var (_, provisioned) = await vm.WaitForAsync(@"INF provisioning: platform provisioned", Step, unknown);
        var (_, trusted) = await vm.WaitForAsync(@"INF attestation: TRUSTED", Step, provisioned);
        var (_, rebooting) = await vm.WaitForAsync(@"INF kexec: rebooting into /boot/vmlinuz", Step, trusted);
        await vm.WaitForAsync(@"Kernel command line: .*e2e_second_kernel=1", Boot, rebooting);
        await vm.WaitForAsync(@"INF poweroff: all steps done", Boot, rebooting);
        Assert.Equal(0, await vm.WaitForExitAsync(Step));
        Assert.DoesNotContain("no AIK at", vm.Transcript);
    }
}
