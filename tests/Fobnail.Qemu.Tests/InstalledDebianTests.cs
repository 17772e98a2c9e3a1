using System.Globalization;
using System.Text.RegularExpressions;
using Fobnail.Qemu.Tests.Demo;
using Xunit.Abstractions;

namespace Fobnail.Qemu.Tests;

/// <summary>
/// The product's whole job on a real installed Debian 12 (images/debian/, built with mmdebstrap and cached): /init
/// on its default steps (modules, network, attest, boot) attests the platform to the token (its USB twin
/// hot-plugged on xHCI, the emulator behind it, an swtpm TPM), finds Debian on the virtio disk, chooses the entry
/// Debian's own update-grub wrote (GRUB's default), measures and kexecs Debian's kernel with its initramfs-tools
/// initrd and command line, and that Debian's systemd reaches multi-user.target (its marker unit prints on ttyS0).
/// A platform whose firmware measurements changed gets NOT TRUSTED, and no disk is read and nothing kexec'd.
/// Not run (said so) only when the image cannot be built because Debian's mirror is unreachable.
/// </summary>
public sealed class InstalledDebianTests(ITestOutputHelper output)
{
    internal static readonly TimeSpan Boot = TimeSpan.FromSeconds(300);
    internal static readonly TimeSpan Step = TimeSpan.FromSeconds(180);
    // Debian under TCG: its kernel, initramfs-tools and systemd up to multi-user (about a minute on a quiet machine).
    internal static readonly TimeSpan DebianBoot = TimeSpan.FromSeconds(600);
    private const string Mac = "52:54:00:f0:b0:02";
    internal const string UptimeStamp = @"^\[\s*([0-9.]+)\] ";

    internal static string Parameters(string provision, string steps) =>
        $"fobnail.steps={steps} fobnail.onfailure=poweroff fobnail.provision={provision} fobnail.attest.mac={Mac} " +
        $"fobnail.attest.ek_chain={DemoInitramfs.EkChainDir} fobnail.boot.wait=60";

    /// <summary>
    /// A guest with the token rig (TPM, xHCI for the twin), <paramref name="image"/> on virtio-blk (a snapshot: the
    /// image is not written) and an e1000 NIC with <see cref="Mac"/>: /init has no driver for it and is told the MAC
    /// (fobnail.attest.mac), Debian has one, so both compute the same platform metadata.
    /// </summary>
    internal static QemuMachine StartGuest(string name, DemoRig rig, string image, string parameters, string smbiosVersion) =>
        QemuMachine.Start(new()
        {
            Name = name,
            Initramfs = rig.Initramfs,
            MemoryMiB = 1536,
            NetNamespace = rig.Token.Name,
            KernelParameters = parameters,
            ExtraArguments =
            [
                .. rig.Tpm.StartForQemu(), "-device", "qemu-xhci,id=xhci",
                "-smbios", $"type=1,manufacturer=Fobnail Demo,product=QEMU Guest,serial=DEB-0001,version={smbiosVersion}",
                "-drive", $"file={image},if=none,id=d0,format=raw,snapshot=on", "-device", "virtio-blk-pci,drive=d0",
                "-nic", $"user,model=e1000,mac={Mac}",
            ],
        });

    internal static async Task<int> PlugTokenWhenAskedAsync(QemuMachine vm, UsbTwin twin, int from)
    {
        var (_, waiting) = await vm.WaitForAsync(@"INF attest: waiting up to \d+ s for the token", Boot, from);
        await twin.PlugAsync(vm, "xhci.0");
        return waiting;
    }

    internal static double Seconds(Match m) => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);

    [Fact]
    public async Task Attested_platform_boots_the_installed_Debian_from_its_grub_cfg_to_multi_user()
    {
        if (!InstalledDebian.TryBuild(output, out string image)) return;
        await using var rig = await DemoRig.CreateAsync("debian-e2e");
        await using var vm = StartGuest("debian-e2e", rig, image, Parameters("1", "modules,network,attest,boot"), "1.0");

        var (_, init) = await vm.WaitForAsync(@"INF fobnail-init \S+ running as PID 1$", Boot);
        int waiting = await PlugTokenWhenAskedAsync(vm, rig.Twin, init);
        var (trusted, trustedAt) = await vm.WaitForAsync(UptimeStamp + @"fobnail-init INF attestation: TRUSTED", Step, waiting);
        // GRUB's default is entry 0, the top-level "Debian GNU/Linux" update-grub wrote (10_linux's simple entry).
        var (chose, _) = await vm.WaitForAsync(@"INF boot: chose (\S+) ""([^""]*)"": (.*)$", Step, trustedAt);
        Assert.Equal($"gnulinux-simple-{InstalledDebian.RootUuid}", chose.Groups[1].Value);
        Assert.Equal("Debian GNU/Linux", chose.Groups[2].Value);
        var (rebooting, rebootingAt) = await vm.WaitForAsync(UptimeStamp + @"fobnail-init INF kexec: rebooting into", Step, trustedAt);

        // Debian's kernel, with the command line of its grub.cfg, its initramfs-tools initrd mounting root=UUID=,
        // and systemd up to multi-user.target.
        var (_, banner) = await vm.WaitForAsync(@"Linux version \d", Boot, rebootingAt);
        var (cmdline, _) = await vm.WaitForAsync(@"Kernel command line: (.*)$", Step, banner);
        Assert.Matches($@"^BOOT_IMAGE=/boot/vmlinuz-\S+ root=UUID={InstalledDebian.RootUuid} ro console=ttyS0\s*$", cmdline.Groups[1].Value);
        var (multiUser, _) = await vm.WaitForAsync(InstalledDebian.MultiUserPattern, DebianBoot, banner);
        await rig.Token.WaitForAsync(@"LED: AttestationOk", Step);

        string log = vm.Transcript;
        Assert.DoesNotContain("Kernel panic", log);
        Assert.DoesNotContain("FAILED", log);
        Assert.DoesNotContain("emergency mode", log);
        Assert.Contains("Debian GNU/Linux 12", log);
        output.WriteLine($"kernel start -> TRUSTED {Seconds(trusted):0.0} s; -> kexec {Seconds(rebooting):0.0} s; " +
                         $"Debian kernel start -> multi-user {Seconds(multiUser):0.0} s; total " +
                         $"{Seconds(rebooting) + Seconds(multiUser):0.0} s (TCG); guest log {vm.LogPath}");
    }

    [Fact]
    public async Task Not_trusted_platform_reads_no_disk_and_boots_nothing()
    {
        if (!InstalledDebian.TryBuild(output, out string image)) return;
        await using var rig = await DemoRig.CreateAsync("debian-tamper");
        // Boot 1: provision and attest this platform, then power off (no boot step).
        await using (var first = StartGuest("debian-tamper-1", rig, image,
                         Parameters("1", "modules,network,attest") + " fobnail.final=poweroff", "1.0"))
        {
            int waiting = await PlugTokenWhenAskedAsync(first, rig.Twin, 0);
            await first.WaitForAsync(@"INF attestation: TRUSTED", Step, waiting);
            Assert.Equal(0, await first.WaitForExitAsync(Step));
        }

        // Boot 2: same platform, changed SMBIOS table, so PCR 1 differs from the token's reference.
        await using var vm = StartGuest("debian-tamper-2", rig, image, Parameters("0", "modules,network,attest,boot"), "1.1-tampered");
        int asked = await PlugTokenWhenAskedAsync(vm, rig.Twin, 0);
        var (_, refused) = await vm.WaitForAsync(@"INF attestation: NOT TRUSTED", Step, asked);
        await vm.WaitForAsync(@"INF poweroff: boot failed: attestation: NOT TRUSTED", Step, refused);
        Assert.Equal(0, await vm.WaitForExitAsync(Step));
        string log = vm.Transcript;
        Assert.DoesNotMatch(@"fobnail-init \w+ (boot|kexec): ", log);
        Assert.DoesNotContain(InstalledDebian.MultiUserMarker, log);
        Assert.Single(Regex.Matches(log, @"running as PID 1$", RegexOptions.Multiline));
    }
}
