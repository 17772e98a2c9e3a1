using System.Text.Json;
using Fobnail.Boot.Discovery;
using Fobnail.Init.Boot;
using Fobnail.Init.Config;
using Fobnail.Kexec;
using Fobnail.Linux;
using Fobnail.Testing.Processes;

namespace Fobnail.Boot.Tests;

/// <summary>The boot step's policy and failure paths on the host, the mount binding, sysfs scanning, and `fobnail-init boot` as a process.</summary>
public sealed class StepAndCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fobnail-boot-step-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static BootContext Context(BootConfig config, string sysRoot) =>
        new(config, Serilog.Core.Logger.None, "", sysRoot);

    [Fact]
    public async Task Without_a_passed_verdict_the_step_fails_before_reading_any_disk()
    {
        // A sysfs root that cannot be read at all: the step must not even look.
        var step = new DiskBootStep(runDirectory: _dir);
        var context = Context(new BootConfig(), Path.Combine(_dir, "no-such-sys"));
        context.Verdict = AttestationVerdict.Fail("NOT TRUSTED");
        var outcome = await step.RunAsync(context, CancellationToken.None);
        var failed = Assert.IsType<StepOutcome.Failed>(outcome);
        Assert.Contains("refusing to kexec: attestation", failed.Summary);
        Assert.False(Directory.Exists(Path.Combine(_dir, "disks")));
    }

    [Fact]
    public async Task Unattested_with_no_disks_fails_after_the_bounded_wait_naming_why()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "sys/class/block"));
        var step = new DiskBootStep(runDirectory: _dir);
        var config = new BootConfig { KexecRequireAttestation = false, BootWaitSeconds = 1 };
        var outcome = await step.RunAsync(Context(config, Path.Combine(_dir, "sys")), CancellationToken.None);
        Assert.Contains("no entry to boot: no block devices found", Assert.IsType<StepOutcome.Failed>(outcome).Summary);
    }

    [Fact]
    public void Boot_options_parse_and_the_default_steps_end_with_boot()
    {
        var config = BootConfig.FromCommandLine(KernelCommandLine.Parse("fobnail.boot.wait=3 fobnail.boot.entry=\"Advanced options>x\" fobnail.boot.append=\"quiet splash\""), out var problems);
        Assert.Empty(problems);
        Assert.Equal(3, config.BootWaitSeconds);
        Assert.Equal("Advanced options>x", config.BootEntry);
        Assert.Equal("quiet splash", config.BootAppend);
        Assert.Equal([BootStep.Modules, BootStep.Network, BootStep.Attest, BootStep.Boot], new BootConfig().Steps);
        BootConfig.FromCommandLine(KernelCommandLine.Parse("fobnail.boot.wait=-1"), out problems);
        Assert.Single(problems);
    }

    [Fact]
    public void Sysfs_scan_finds_disks_and_partitions_with_their_parent_and_block_size()
    {
        string sys = Path.Combine(_dir, "sys");
        string devices = Path.Combine(sys, "devices/pci0000:00/0000:00:04.0/virtio1/block");
        void Dev(string path, long size, int? partition)
        {
            Directory.CreateDirectory(Path.Combine(devices, path));
            File.WriteAllText(Path.Combine(devices, path, "size"), $"{size}\n");
            if (partition is { } n) File.WriteAllText(Path.Combine(devices, path, "partition"), $"{n}\n");
        }
        Dev("vda", 204800, null);
        Directory.CreateDirectory(Path.Combine(devices, "vda/queue"));
        File.WriteAllText(Path.Combine(devices, "vda/queue/logical_block_size"), "4096\n");
        Dev("vda/vda1", 2048, 1);
        Dev("vda/vda2", 4096, 2);
        Directory.CreateDirectory(Path.Combine(sys, "class/block"));
        foreach (var (name, target) in new[] { ("vda", "vda"), ("vda1", "vda/vda1"), ("vda2", "vda/vda2"), ("loop0", "vda") })
            Directory.CreateSymbolicLink(Path.Combine(sys, "class/block", name), Path.Combine(devices, target));

        var found = SysfsBlockDevices.Scan(sys, "/dev");
        Assert.Equal(["vda", "vda1", "vda2"], found.Select(d => d.Name));
        BlockDevice vda2 = found[2];
        Assert.Equal(("vda", 2, 4096L * 512, 4096, "/dev/vda2"), (vda2.Disk, vda2.PartitionNumber!.Value, vda2.SizeBytes, vda2.LogicalBlockSize, vda2.DevNode));
    }

    [Fact]
    public void Mount_binding_mounts_read_only_nodev_nosuid_noexec_and_unmounts()
    {
        string target = Directory.CreateDirectory(Path.Combine(_dir, "mnt")).FullName;
        Mount.MountFilesystem("fobnail-test", target, "tmpfs", Mount.ReadOnlySafe, "size=1m");
        try
        {
            string line = File.ReadLines("/proc/self/mountinfo").Single(l => l.Split(' ')[4] == target);
            string options = line.Split(' ')[5];
            Assert.Equal(["nodev", "noexec", "nosuid", "ro"], options.Split(',').Where(o => o is "ro" or "nodev" or "nosuid" or "noexec").Order(StringComparer.Ordinal));
            Assert.ThrowsAny<IOException>(() => File.WriteAllText(Path.Combine(target, "x"), "x"));
        }
        finally { Mount.Unmount(target); }
        Assert.DoesNotContain(File.ReadLines("/proc/self/mountinfo"), l => l.Split(' ')[4] == target);
        var e = Assert.Throws<IOException>(() => Mount.MountFilesystem("none", target, "no-such-fs", Mount.ReadOnlySafe));
        Assert.Contains("ENODEV", e.Message);
    }

    [Fact]
    public void Cli_lists_a_directory_tree_as_json_and_shows_the_default()
    {
        string boot = Path.Combine(_dir, "boot");
        Directory.CreateDirectory(Path.Combine(boot, "grub"));
        File.Copy(Tree.Data("grub/debian12-separate-boot-saved.cfg"), Path.Combine(boot, "grub/grub.cfg"));
        foreach (string v in new[] { "6.1.0-18-amd64", "6.1.0-21-amd64" })
        {
            File.WriteAllText(Path.Combine(boot, $"vmlinuz-{v}"), "k");
            File.WriteAllText(Path.Combine(boot, $"initrd.img-{v}"), "i");
        }
        var (exit, stdout, stderr) = FobnailInitProcess.Run(["boot", "list", "--root", boot, "--json"], TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var entries = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(5, entries.Count);
        JsonElement first = entries[0];
        Assert.Equal("grub", first.GetProperty("source").GetString());
        Assert.Equal(boot, first.GetProperty("device").GetString());
        Assert.Equal("/vmlinuz-6.1.0-21-amd64", first.GetProperty("kernel").GetString());
        Assert.Equal(["/initrd.img-6.1.0-21-amd64"], first.GetProperty("initrd").EnumerateArray().Select(i => i.GetString()));
        Assert.True(first.GetProperty("default").GetBoolean());
        Assert.Equal("BOOT_IMAGE=/vmlinuz-6.1.0-21-amd64 root=/dev/vda2 ro quiet", first.GetProperty("cmdline").GetString());

        (exit, stdout, stderr) = FobnailInitProcess.Run(["boot", "show", "3", "--root", boot], TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, stderr);
        Assert.Contains("Debian GNU/Linux, with Linux 6.1.0-18-amd64", stdout);
        (exit, _, stderr) = FobnailInitProcess.Run(["boot", "show", "nope", "--root", boot], TimeSpan.FromSeconds(60));
        Assert.Equal(1, exit);
        Assert.Contains("matches no entry", stderr);
    }
}
