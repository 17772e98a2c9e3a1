using Fobnail.Testing.Network;
using Xunit.Abstractions;

namespace Fobnail.Qemu.Tests;

/// <summary>
/// The minimal kernel of kernel-config/ (out/fobnail-linuxboot.bzImage, `./build.sh kernel`): one file, /init built
/// in, no -initrd. /init finds no module directory and loads nothing; the token's stand-in (QEMU usb-net) is
/// hot-plugged on xHCI and its link comes up through the built-in drivers alone. Runs only when the image exists
/// (building it is not part of `./build.sh test`; kernel-config/README.md says how long it takes) and says so.
/// </summary>
public sealed class LinuxBootKernelTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Boots_to_init_loads_no_module_and_brings_the_token_link_up_with_built_in_drivers()
    {
        if (Repo.LinuxBootKernel is not { } kernel)
        {
            output.WriteLine("NOT RUN: out/fobnail-linuxboot.bzImage does not exist (./build.sh kernel builds it)");
            return;
        }

        using var tokenSide = new NetworkNamespace("lb");
        string ns = tokenSide.Name;
        tokenSide.AddTap("tap0", "169.254.0.1/16");

        await using var vm = QemuMachine.Start(new()
        {
            Name = "linuxboot-kernel",
            Kernel = kernel,
            Initramfs = "", // the kernel carries its own
            NetNamespace = ns,
            KernelParameters = "fobnail.steps=modules,network fobnail.final=halt fobnail.match=0525:a4a2,cdc_ether",
            // Every USB host controller kind the fragment builds in: xHCI, EHCI with UHCI companions, OHCI.
            ExtraArguments =
            [
                "-device", "qemu-xhci,id=xhci",
                "-device", "ich9-usb-ehci1,id=ehci", "-device", "ich9-usb-uhci1,masterbus=ehci.0,firstport=0",
                "-device", "pci-ohci,id=ohci",
                "-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no",
            ],
        });

        var (first, _) = await vm.WaitForAsync(@"^\[\s*([0-9.]+)\] fobnail-init INF fobnail-init \S+ running as PID 1$", Boot);
        await vm.WaitForAsync(@"INF step modules: done in \d+ ms: no module directory /lib/modules/\S+-fobnail: every driver is built in, no module loaded", Step);
        await vm.WaitForAsync(@"INF token link: looking for 0525:a4a2,cdc_ether", Step);

        double configured = await HotplugTests.PlugAsync(vm, "xhci.0", ns, vm.Lines.Count);

        string log = vm.Transcript;
        // The kernel's own banner is below loglevel=4; the release is in /init's modules line (6.1.x-fobnail).
        Assert.Matches(@"no module directory /lib/modules/6\.1\.\d+-fobnail", log);
        Assert.DoesNotContain("Kernel panic", log);
        // Nothing was loaded: no coldplug or hotplug module line, and no uevent listener for modules at all.
        Assert.DoesNotMatch(@"(coldplug|hotplug): .*[Ll]oaded", log);
        Assert.DoesNotContain("hotplug: listening for kernel uevents", log);
        output.WriteLine($"first /init log line at {first.Groups[1].Value} s after kernel start; token address configured " +
                         $"{configured:0.0} ms after its uevent (guest log {vm.LogPath})");
    }

    /// <summary>
    /// A /boot on Btrfs (openSUSE's layout) with the payload as built: without kernel-config/boot-fs-more.config the
    /// boot step names the missing driver and the fragment that adds it, and fails; with it, the entry is found and
    /// kexeced. Which one is expected comes from the .config the image was built from.
    /// </summary>
    [Fact]
    public async Task A_Btrfs_boot_is_kexeced_with_boot_fs_more_and_named_as_missing_without_it()
    {
        if (Repo.LinuxBootKernel is not { } kernel || Repo.LinuxBootKernelConfig is not { } config)
        {
            output.WriteLine("NOT RUN: out/fobnail-linuxboot.bzImage or its .config does not exist (./build.sh kernel builds them)");
            return;
        }
        bool hasBtrfs = File.ReadLines(config).Contains("CONFIG_BTRFS_FS=y");
        string dir = Directory.CreateTempSubdirectory("fobnail-linuxboot-btrfs-").FullName;
        try
        {
            const string Marker = "boot_disk_marker=1";
            const string Append = $"console=ttyS0 loglevel=6 panic=-1 fobnail.steps=modules fobnail.final=poweroff {Marker}";
            await using var vm = QemuMachine.Start(new()
            {
                Name = "linuxboot-btrfs-boot",
                Kernel = kernel,
                Initramfs = "",
                MemoryMiB = 1024,
                KernelParameters = "fobnail.steps=modules,boot fobnail.kexec.require_attestation=0 fobnail.onfailure=poweroff " +
                                   $"fobnail.boot.wait=10 fobnail.boot.append=\"{Append}\"",
                ExtraArguments = ["-drive", $"file={DiskImages.OpenSuseBtrfs(dir)},if=none,id=d0,format=raw,snapshot=on", "-device", "virtio-blk-pci,drive=d0"],
            });
            var (disk, at) = await vm.WaitForAsync(@"INF boot: disk vda: btrfs UUID=(\S+)", Boot);
            Assert.Equal(DiskImages.RootUuid, disk.Groups[1].Value);
            if (hasBtrfs)
            {
                var (chose, _) = await vm.WaitForAsync(@"INF boot: chose (\S+) ", Step, at);
                Assert.Equal("opensuse-tumbleweed-6.1.0-21-default", chose.Groups[1].Value);
                var (cmdline, banner) = await vm.WaitForAsync(@"Kernel command line: (.*)$", Boot, at);
                Assert.Contains(Marker, cmdline.Groups[1].Value);
                await vm.WaitForAsync(@"INF poweroff: all steps done", Boot, banner);
            }
            else
            {
                await vm.WaitForAsync(@"INF boot: cannot mount vda: mount /dev/vda on \S+ \(btrfs\): ENODEV \(No such device\): " +
                                      @"this kernel has no btrfs driver, neither built in nor loaded as a module \(a kernel-config/ payload " +
                                      @"reads Btrfs and XFS only when built with kernel-config/boot-fs-more\.config\)", Step, at);
                await vm.WaitForAsync(@"ERR step boot: FAILED after \d+ ms: no entry to boot: no filesystem to read boot entries from on 1 block " +
                                      @"device\(s\): none could be mounted \(the 'cannot mount' lines say why\)", Step, at);
                Assert.DoesNotContain("kexec: measured", vm.Transcript);
            }
            Assert.Equal(0, await vm.WaitForExitAsync(Step));
            Assert.DoesNotContain("Kernel panic", vm.Transcript);
            output.WriteLine($"payload {(hasBtrfs ? "with" : "without")} Btrfs: guest log {vm.LogPath}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
