using Fobnail.Qemu.Tests.Demo;
using Xunit.Abstractions;

namespace Fobnail.Qemu.Tests;

/// <summary>
/// The disk key of a real installed Debian 12 lives on the token: its root filesystem is on LUKS2
/// (images/debian/build-image.sh --luks-key: an ext4 /boot, a LUKS2 root encrypted with a key made for this run,
/// which is in no file), and Debian's own initramfs (initramfs-tools + cryptsetup-initramfs, made by
/// update-initramfs from /etc/crypttab) unlocks it with the key file /cryptroot/keyfiles/root.key, which is in
/// neither the image nor the initrd. /init attests the platform (token twin, swtpm), reads the token's file
/// <c>root</c> in the same session (fobnail.secret=root:/cryptroot/keyfiles/root.key), boots GRUB's default entry
/// from /boot with the key appended to Debian's initrd, and Debian reaches multi-user without a passphrase.
/// With a different key on the token, Debian's initramfs tries the key file (once per pass of its wait for the root
/// device), fails and, as Debian does when a key file does not open the volume, gives up on the root device and
/// drops to its shell: no passphrase prompt (key-file entries never fall back to one) and no multi-user. Every log of a run is searched for the keys.
/// Not run (said so) only when Debian's mirror is unreachable.
/// </summary>
public sealed class LuksRootTests(ITestOutputHelper output, LuksRootTests.Image image) : IClassFixture<LuksRootTests.Image>
{
    // InstalledDebianTests.StartGuest's platform (SMBIOS serial and the MAC /init is told).
    private const string Mac = "52:54:00:f0:b0:02";
    private const string Serial = "DEB-0001";
    private static readonly string Secret = $"fobnail.secret={InstalledDebian.LuksName}:{InstalledDebian.LuksKeyFile}";

    /// <summary>The variant, built once for the class with one random key; the key is kept only here, in memory.</summary>
    public sealed class Image : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("fobnail-debian-luks-").FullName;
        private bool? _built;

        public byte[] Key { get; } = TokenSecretFiles.RandomKey();
        public string Path => System.IO.Path.Combine(_dir, "debian-luks.img");

        public bool TryBuild(ITestOutputHelper log)
        {
            lock (this)
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                _built ??= InstalledDebian.TryBuildLuks(log, Key, Path);
                log.WriteLine($"root-on-LUKS image ready after {clock.Elapsed.TotalSeconds:0.0} s");
                return _built.Value;
            }
        }

        public void Dispose() => Directory.Delete(_dir, recursive: true);
    }

    private static string Parameters() => InstalledDebianTests.Parameters("1", "modules,network,attest,boot") + " " + Secret;

    /// <summary>/init up to the kexec: TRUSTED, the token's secret read and handed over; returns the line Debian's kernel starts at.</summary>
    private static async Task<(double Trusted, double Kexec, int Banner)> AttestAndKexecAsync(QemuMachine vm, DemoRig rig)
    {
        var (_, init) = await vm.WaitForAsync(@"INF fobnail-init \S+ running as PID 1$", InstalledDebianTests.Boot);
        int waiting = await InstalledDebianTests.PlugTokenWhenAskedAsync(vm, rig.Twin, init);
        var (trusted, trustedAt) = await vm.WaitForAsync(InstalledDebianTests.UptimeStamp + @"fobnail-init INF attestation: TRUSTED", InstalledDebianTests.Step, waiting);
        await vm.WaitForAsync($@"INF attest: secret root read from the token \(64 bytes\), for {InstalledDebian.LuksKeyFile}$", InstalledDebianTests.Step, trustedAt);
        var (chose, _) = await vm.WaitForAsync(@"INF boot: chose (\S+) ""([^""]*)"": (.*)$", InstalledDebianTests.Step, trustedAt);
        Assert.Equal($"gnulinux-simple-{InstalledDebian.LuksRootUuid}", chose.Groups[1].Value);
        await vm.WaitForAsync($@"INF kexec: secret root handed over at {InstalledDebian.LuksKeyFile} \(64 bytes\)$", InstalledDebianTests.Step, trustedAt);
        var (rebooting, rebootingAt) = await vm.WaitForAsync(InstalledDebianTests.UptimeStamp + @"fobnail-init INF kexec: rebooting into", InstalledDebianTests.Step, trustedAt);
        var (_, banner) = await vm.WaitForAsync(@"Linux version \d", InstalledDebianTests.Boot, rebootingAt);
        // GRUB's entry from the /boot partition: the kernel at its root, the root filesystem the opened volume.
        var (cmdline, _) = await vm.WaitForAsync(@"Kernel command line: (.*)$", InstalledDebianTests.Step, banner);
        Assert.Matches($@"^BOOT_IMAGE=/vmlinuz-\S+ root=/dev/mapper/{InstalledDebian.LuksName} ro console=ttyS0\s*$", cmdline.Groups[1].Value);
        return (InstalledDebianTests.Seconds(trusted), InstalledDebianTests.Seconds(rebooting), banner);
    }

    [Fact]
    public async Task Debian_initramfs_unlocks_the_luks_root_with_the_tokens_key_and_boots_to_multi_user_without_a_passphrase()
    {
        if (!image.TryBuild(output)) return;
        await using var rig = await DemoRig.CreateAsync("debian-luks");
        TokenSecretFiles.StoreOnToken(rig, Mac, Serial, InstalledDebian.LuksName, image.Key);
        await using var vm = InstalledDebianTests.StartGuest("debian-luks", rig, image.Path, Parameters(), "1.0");

        var (trusted, kexec, banner) = await AttestAndKexecAsync(vm, rig);
        // cryptroot's own message (initramfs scripts print without the kernel's time stamp).
        await vm.WaitForAsync(@"cryptsetup: root: set up successfully", InstalledDebianTests.DebianBoot, banner);
        var (multiUser, _) = await vm.WaitForAsync(InstalledDebian.MultiUserPattern, InstalledDebianTests.DebianBoot, banner);
        await rig.Token.WaitForAsync(@"READ root", InstalledDebianTests.Step);

        string log = vm.Transcript;
        Assert.DoesNotContain("Please unlock disk", log); // askpass's prompt: nobody typed anything
        Assert.DoesNotContain("cryptsetup: ERROR", log);
        Assert.DoesNotContain("Kernel panic", log);
        Assert.DoesNotContain("emergency mode", log);
        Assert.DoesNotContain("FAILED", log);
        TokenSecretFiles.AssertNowhere(output, [vm.LogPath, rig.Token.LogPath, rig.Twin.LogPath], image.Key);
        output.WriteLine($"kernel start -> TRUSTED {trusted:0.0} s; -> kexec {kexec:0.0} s; Debian kernel start -> " +
                         $"multi-user {InstalledDebianTests.Seconds(multiUser):0.0} s (TCG); guest log {vm.LogPath}");
    }

    [Fact]
    public async Task A_different_key_on_the_token_leaves_the_root_locked_and_Debian_stops_in_its_initramfs()
    {
        if (!image.TryBuild(output)) return;
        byte[] wrong = TokenSecretFiles.RandomKey();
        await using var rig = await DemoRig.CreateAsync("debian-luks-wrong");
        TokenSecretFiles.StoreOnToken(rig, Mac, Serial, InstalledDebian.LuksName, wrong);
        await using var vm = InstalledDebianTests.StartGuest("debian-luks-wrong", rig, image.Path, Parameters(), "1.0");

        var (_, _, banner) = await AttestAndKexecAsync(vm, rig);
        // cryptsetup's own answer first: the volume is there and its header read, the key does not open a keyslot.
        var (_, refused) = await vm.WaitForAsync(@"^No key available with this passphrase\.", InstalledDebianTests.DebianBoot, banner);
        var (_, failed) = await vm.WaitForAsync(@"cryptsetup: ERROR: root: cryptsetup failed, bad password or options\?", InstalledDebianTests.Step, refused);
        // initramfs-tools waits 30 s for the root device, then panics into its shell (the machine stays there).
        await vm.WaitForAsync($@"ALERT!\s+/dev/mapper/{InstalledDebian.LuksName} does not exist\.\s+Dropping to a shell!", InstalledDebianTests.DebianBoot, failed);

        string log = vm.Transcript;
        Assert.DoesNotContain("set up successfully", log);
        Assert.DoesNotContain("Please unlock disk", log); // a key-file entry never falls back to a passphrase prompt
        Assert.DoesNotContain(InstalledDebian.MultiUserMarker, log);
        TokenSecretFiles.AssertNowhere(output, [vm.LogPath, rig.Token.LogPath, rig.Twin.LogPath], wrong, image.Key);
    }
}
