using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Fobnail.Qemu.Tests;

/// <summary>
/// The boot step on real disks in a real kernel: /init loads the storage and filesystem modules, finds the
/// installed system's entries (Debian: ESP stub → /boot/grub/grub.cfg with saved_entry in a submenu; Fedora:
/// systemd-boot BLS on the ESP), copies the chosen kernel and initrds, unmounts, measures and kexecs it; the kexec'd
/// kernel shows the entry's command line (GRUB's BOOT_IMAGE=, root=UUID=) plus fobnail.boot.append, and its /init
/// (our initramfs, the "installed" initrd) powers off. Unattested (fobnail.kexec.require_attestation=0): the
/// attested path is the same handoff as the kexec step's, covered by the end-to-end tests. The drives use
/// snapshot=on rather than readonly=on because QEMU's AHCI disk (ide-hd) refuses read-only block nodes.
/// </summary>
public sealed class BootDiskTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(300);
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(180);
    private const string Append = "console=ttyS0 loglevel=6 panic=-1 fobnail.steps=modules fobnail.final=poweroff boot_disk_marker=1";
    private readonly string _dir = Directory.CreateTempSubdirectory("fobnail-boot-disk-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] VirtioBlk = ["-device", "virtio-blk-pci,drive=d0"];

    /// <summary>QEMU arguments attaching the image as drive d0 on one kind of controller.</summary>
    public static TheoryData<string, string[]> Buses => new()
    {
        { "virtio-blk", VirtioBlk },
        { "ahci", ["-device", "ahci,id=ahci", "-device", "ide-hd,drive=d0,bus=ahci.0"] },
        { "nvme", ["-device", "nvme,serial=f0b0a11,drive=d0"] },
        { "usb-storage", ["-device", "qemu-xhci,id=xhci", "-device", "usb-storage,bus=xhci.0,drive=d0"] },
    };

    private static QemuMachine Start(string name, string image, string[] bus, string parameters) => QemuMachine.Start(new()
    {
        Name = name,
        MemoryMiB = 1024,
        KernelParameters = $"fobnail.steps=modules,boot fobnail.kexec.require_attestation=0 fobnail.onfailure=poweroff fobnail.boot.wait=60 {parameters}",
        ExtraArguments = ["-drive", $"file={image},if=none,id=d0,format=raw,snapshot=on", .. bus],
    });

    [Theory]
    [MemberData(nameof(Buses))]
    public async Task Debian_grub_saved_entry_in_a_submenu_is_found_and_kexeced(string busName, string[] bus)
    {
        string image = DiskImages.Debian(_dir);
        await using var vm = Start($"boot-disk-debian-{busName}", image, bus, $"fobnail.boot.append=\"{Append}\"");

        var (_, init) = await vm.WaitForAsync(@"INF fobnail-init \S+ running as PID 1$", Boot);
        var (chose, _) = await vm.WaitForAsync(@"INF boot: chose (\S+) ""([^""]*)"": (.*)$", Step, init);
        Assert.Equal($"gnulinux-6.1.0-21-amd64-advanced-{DiskImages.BootUuid}", chose.Groups[1].Value);
        Assert.Equal("Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux 6.1.0-21-amd64", chose.Groups[2].Value);
        Assert.Contains("default", chose.Groups[3].Value);
        var (entries, _) = await vm.WaitForAsync(@"INF boot: (\d+) entries on (\d+) filesystems after (\d+) ms", Step, init);
        var (_, rebooting) = await vm.WaitForAsync(@"INF kexec: rebooting into", Step, init);
        var (cmdline, banner) = await vm.WaitForAsync(@"Kernel command line: (.*)$", Boot, rebooting);
        Assert.StartsWith($"BOOT_IMAGE=/vmlinuz-6.1.0-21-amd64 root=UUID={DiskImages.RootUuid} ro quiet {Append}", cmdline.Groups[1].Value);
        await vm.WaitForAsync(@"INF poweroff: all steps done", Boot, banner);
        Assert.Equal(0, await vm.WaitForExitAsync(Step));
        string log = vm.Transcript;
        Assert.DoesNotContain("Kernel panic", log);
        output.WriteLine($"{busName}: {entries.Groups[1].Value} entries on {entries.Groups[2].Value} filesystems, {entries.Groups[3].Value} ms after the step started; log {vm.LogPath}");
    }

    [Fact]
    public async Task Fedora_systemd_boot_entry_with_two_initrds_on_the_esp()
    {
        string image = DiskImages.Fedora(_dir);
        await using var vm = Start("boot-disk-fedora", image, VirtioBlk, $"fobnail.boot.append=\"{Append}\"");

        var (chose, at) = await vm.WaitForAsync(@"INF boot: chose (\S+) ""([^""]*)"": (.*)$", Boot);
        Assert.Equal($"{DiskImages.MachineId}-6.7.4-200.fc39.x86_64", chose.Groups[1].Value);
        var (copied, _) = await vm.WaitForAsync(@"INF boot: copied \S+ \((\d+) bytes\) and 2 initrd file\(s\) \((\d+) bytes\)", Step, at);
        Assert.Equal(new FileInfo(Repo.Initramfs).Length + 512, long.Parse(copied.Groups[2].Value));
        var (cmdline, banner) = await vm.WaitForAsync(@"Kernel command line: (.*)$", Boot, at);
        Assert.StartsWith($"root=UUID={DiskImages.RootUuid} ro rhgb quiet {Append}", cmdline.Groups[1].Value);
        await vm.WaitForAsync(@"INF poweroff: all steps done", Boot, banner);
        Assert.Equal(0, await vm.WaitForExitAsync(Step));
    }

    [Fact]
    public async Task Without_an_attestation_verdict_no_disk_is_read_and_nothing_is_kexeced()
    {
        string image = DiskImages.Debian(_dir);
        await using var vm = QemuMachine.Start(new()
        {
            Name = "boot-disk-refused",
            MemoryMiB = 1024,
            KernelParameters = "fobnail.steps=modules,boot fobnail.onfailure=poweroff",
            ExtraArguments = ["-drive", $"file={image},if=none,id=d0,format=raw,snapshot=on", .. VirtioBlk],
        });
        await vm.WaitForAsync(@"ERR step boot: FAILED after \d+ ms: refusing to kexec: no attestation verdict", Boot);
        Assert.Equal(0, await vm.WaitForExitAsync(Step));
        string log = vm.Transcript;
        Assert.DoesNotContain("boot: disk", log);
        Assert.DoesNotContain("kexec: measured", log);
        Assert.Single(Regex.Matches(log, "running as PID 1"));
    }
}
