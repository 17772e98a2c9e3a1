using Fobnail.Qemu.Tests.Demo;
using Xunit.Abstractions;

namespace Fobnail.Qemu.Tests;

/// <summary>
/// Token-held secrets end to end (fobnail.secret): a real LUKS2 volume made by cryptsetup luksFormat on an image
/// file is the guest's virtio disk; its key is on the emulated token, in the flash file of this platform
/// (<c>&lt;platform id&gt;_disk</c>, where the firmware and the emulator keep a platform's FTS files; the guest has
/// no installed system to run `secret new` on, which the unit tests cover). /init provisions and attests the
/// platform through the token's USB twin, reads the key in the same session and kexecs the Debian test kernel
/// with a busybox target initrd carrying Debian's cryptsetup, whose /init opens the volume with the key found at
/// /cryptroot/keyfiles/disk.key and prints the event log it was handed. Every log of the run (serial with /init's
/// and the kernel's lines and that event log, token, USB twin) is searched for the key.
/// </summary>
public sealed class LuksSecretTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(300);
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(150);
    private const string Mac = "52:54:00:5e:c0:02";
    private const string Serial = "LUKS-0001";
    private const string KeyPath = "/cryptroot/keyfiles/disk.key";
    private const string TargetCmdline = "console=ttyS0 loglevel=6 panic=-1 luks_target=1";

    /// <summary>The kexec'd target's /init (busybox; only our own initramfs is shell-free), loading <see cref="Modules"/> in order.</summary>
    private static string TargetInit => """
        #!/bin/busybox sh
        /bin/busybox --install -s /bin
        export PATH=/bin LD_LIBRARY_PATH=/lib
        mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev; mount -t tmpfs tmp /tmp; mount -t tmpfs run /run
        mkdir -p /run/cryptsetup
        echo "TARGET: started"
        for m in MODULES; do
          insmod /lib/modules/$m.ko 2>/dev/null || echo "TARGET: insmod $m failed"
        done
        k=/cryptroot/keyfiles/disk.key
        if [ -f $k ]; then echo "TARGET: key file mode $(stat -c '%a %u:%g' $k), $(stat -c '%s' $k) bytes, directory $(stat -c '%a' ${k%/*})"; else echo "TARGET: no key file"; fi
        i=0; while [ ! -b /dev/vda ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
        cryptsetup open --key-file $k /dev/vda secretdisk > /tmp/open.out 2>&1; rc=$?
        sed 's/^/TARGET: cryptsetup: /' /tmp/open.out
        if [ $rc = 0 ] && [ "$(cat /sys/block/dm-0/dm/name 2>/dev/null)" = secretdisk ]; then echo "TARGET: LUKS volume opened"; else echo "TARGET: LUKS volume NOT opened (cryptsetup exit $rc)"; fi
        tr -d '\036' < /.fobnail/tpm2-measure.log | sed 's/^/TARGET: eventlog: /'
        echo "TARGET: done"
        poweroff -f
        """.Replace("MODULES", string.Join(' ', Modules.Select(m => Path.GetFileNameWithoutExtension(m))), StringComparison.Ordinal);

    /// <summary>The virtio disk, device-mapper and AES-XTS modules of the test kernel, in load order (modules.dep).</summary>
    private static readonly string[] Modules =
    [
        "kernel/drivers/virtio/virtio_ring.ko", "kernel/drivers/virtio/virtio.ko", "kernel/drivers/virtio/virtio_pci_legacy_dev.ko",
        "kernel/drivers/virtio/virtio_pci_modern_dev.ko", "kernel/drivers/virtio/virtio_pci.ko", "kernel/drivers/block/virtio_blk.ko",
        "kernel/drivers/md/dm-mod.ko", "kernel/drivers/md/dm-crypt.ko", "kernel/crypto/ecb.ko", "kernel/crypto/xts.ko",
        "kernel/crypto/cryptd.ko", "kernel/crypto/crypto_simd.ko", "kernel/arch/x86/crypto/aesni-intel.ko",
        "kernel/crypto/af_alg.ko", "kernel/crypto/algif_skcipher.ko",
    ];

    private static readonly Lazy<string> Target = new(() => TargetInitrd.Build("luks", TargetInit, ["/usr/sbin/cryptsetup"], [], Modules));

    private static string Parameters(string provision) =>
        "fobnail.steps=modules,network,attest,kexec fobnail.onfailure=poweroff " +
        $"fobnail.provision={provision} fobnail.attest.mac={Mac} fobnail.attest.ek_chain={DemoInitramfs.EkChainDir} " +
        $"fobnail.secret=disk:{KeyPath} " +
        $"fobnail.kexec.kernel=/boot/vmlinuz fobnail.kexec.initrd=/boot/initrd fobnail.kexec.cmdline=\"{TargetCmdline}\"";

    private static string[] Smbios(string version) =>
        ["-smbios", $"type=1,manufacturer=Fobnail Demo,product=QEMU Guest,serial={Serial},version={version}"];

    /// <summary>A 32 MiB LUKS2 image keyed with 64 random bytes (PBKDF2 at 1000 iterations: cheap under TCG).</summary>
    private sealed class LuksVolume : IDisposable
    {
        public LuksVolume()
        {
            Dir = Directory.CreateTempSubdirectory("fobnail-luks-").FullName;
            Image = Path.Combine(Dir, "disk.img");
            Key = RandomKey();
            File.WriteAllBytes(Path.Combine(Dir, "key"), Key);
            TargetInitrd.Shell($"truncate -s 32M '{Image}' && cryptsetup luksFormat --batch-mode --type luks2 --pbkdf pbkdf2 " +
                $"--pbkdf-force-iterations 1000 --key-file '{Dir}/key' '{Image}' && rm '{Dir}/key'");
        }

        public string Dir { get; }
        public string Image { get; }
        public byte[] Key { get; }

        public void Dispose() => Directory.Delete(Dir, recursive: true);
    }

    private static byte[] RandomKey() => TokenSecretFiles.RandomKey();

    private static void StoreOnToken(DemoRig rig, byte[] key) => TokenSecretFiles.StoreOnToken(rig, Mac, Serial, "disk", key);

    private static QemuMachine StartGuest(string name, DemoRig rig, LuksVolume volume, string parameters, string smbiosVersion) =>
        QemuMachine.Start(new()
        {
            Name = name,
            Initramfs = rig.Initramfs,
            MemoryMiB = 1024,
            NetNamespace = rig.Token.Name,
            KernelParameters = parameters,
            ExtraArguments = [.. rig.Tpm.StartForQemu(), "-device", "qemu-xhci,id=xhci", .. Smbios(smbiosVersion),
                "-drive", $"file={volume.Image},format=raw,if=none,id=luks", "-device", "virtio-blk-pci,drive=luks"],
        });

    private static async Task<int> PlugTokenWhenAskedAsync(QemuMachine vm, UsbTwin twin)
    {
        var (_, waiting) = await vm.WaitForAsync(@"INF attest: waiting up to \d+ s for the token", Boot);
        await twin.PlugAsync(vm, "xhci.0");
        return waiting;
    }

    private void AssertNowhere(IEnumerable<string> logs, params byte[][] keys) => TokenSecretFiles.AssertNowhere(output, logs, keys);

    [Fact]
    public async Task Trusted_platform_gets_the_key_from_the_token_and_the_target_opens_the_luks_volume()
    {
        using var volume = new LuksVolume();
        await using var rig = await DemoRig.CreateAsync("luks-open", Target.Value);
        StoreOnToken(rig, volume.Key);
        await using var vm = StartGuest("luks-open", rig, volume, Parameters("1"), "1.0");

        int waiting = await PlugTokenWhenAskedAsync(vm, rig.Twin);
        var (_, trusted) = await vm.WaitForAsync(@"INF attestation: TRUSTED", Step, waiting);
        await vm.WaitForAsync($@"INF attest: secret disk read from the token \(64 bytes\), for {KeyPath}$", Step, trusted);
        await vm.WaitForAsync($@"INF kexec: measured PCR 9 (sha1:[0-9a-f]{{40}} )?sha256:[0-9a-f]{{64}} secret disk at {KeyPath} \(64 bytes\)$", Step, trusted);
        await vm.WaitForAsync($@"INF kexec: secret disk handed over at {KeyPath} \(64 bytes\)$", Step, trusted);
        await vm.WaitForAsync(@"INF kexec: loaded /boot/vmlinuz with initrd /boot/initrd \(4 measurements extended into", Step, trusted);
        var (_, rebooting) = await vm.WaitForAsync(@"INF kexec: rebooting into /boot/vmlinuz", Step, trusted);
        var (_, started) = await vm.WaitForAsync(@"TARGET: started", Boot, rebooting);
        await vm.WaitForAsync(@"TARGET: key file mode 400 0:0, 64 bytes, directory 700$", Step, started);
        await vm.WaitForAsync(@"TARGET: LUKS volume opened$", Step, started);
        // The handed-over event log names the secret and its size (searched for the key below, with the rest).
        await vm.WaitForAsync(@"TARGET: eventlog: .*""object"":""secret"",""description"":""disk at /cryptroot/keyfiles/disk\.key"",""size"":64", Step, started);
        await vm.WaitForAsync(@"TARGET: done", Step, started);
        Assert.Equal(0, await vm.WaitForExitAsync(Step));
        await rig.Token.WaitForAsync(@"READ disk", Step);
        Assert.DoesNotContain("TARGET: insmod", vm.Transcript);

        AssertNowhere([vm.LogPath, rig.Token.LogPath, rig.Twin.LogPath], volume.Key);
    }

    [Fact]
    public async Task A_wrong_key_on_the_token_does_not_open_the_volume_and_a_not_trusted_platform_gets_no_key_and_no_kexec()
    {
        using var volume = new LuksVolume();
        byte[] wrong = RandomKey();
        await using var rig = await DemoRig.CreateAsync("luks-wrong", Target.Value);
        StoreOnToken(rig, wrong);

        // Boot 1: trusted, the token hands over its key, but it is not the volume's: the target cannot open it.
        string firstLog;
        await using (var first = StartGuest("luks-wrong-1", rig, volume, Parameters("1"), "1.0"))
        {
            int waiting = await PlugTokenWhenAskedAsync(first, rig.Twin);
            var (_, trusted) = await first.WaitForAsync(@"INF attestation: TRUSTED", Step, waiting);
            var (_, rebooting) = await first.WaitForAsync(@"INF kexec: rebooting into /boot/vmlinuz", Step, trusted);
            var (_, started) = await first.WaitForAsync(@"TARGET: started", Boot, rebooting);
            await first.WaitForAsync(@"TARGET: key file mode 400 0:0, 64 bytes", Step, started);
            await first.WaitForAsync(@"TARGET: cryptsetup: No key available with this passphrase", Step, started);
            await first.WaitForAsync(@"TARGET: LUKS volume NOT opened \(cryptsetup exit [1-9]\d*\)$", Step, started);
            Assert.Equal(0, await first.WaitForExitAsync(Step));
            firstLog = first.LogPath;
        }

        // Boot 2: the firmware's SMBIOS table changed (PCR 1): NOT TRUSTED, the token is not asked for the key,
        // nothing is kexec'd, the failure action powers off.
        int reads = CountReads(rig.Token.Transcript);
        await using var vm = StartGuest("luks-wrong-2", rig, volume, Parameters("0"), "1.1-tampered");
        await PlugTokenWhenAskedAsync(vm, rig.Twin);
        var (_, refused) = await vm.WaitForAsync(@"INF attestation: NOT TRUSTED", Step);
        await vm.WaitForAsync(@"INF poweroff: boot failed: attestation: NOT TRUSTED", Step, refused);
        Assert.Equal(0, await vm.WaitForExitAsync(Step));
        string log = vm.Transcript;
        Assert.DoesNotContain("secret disk", log);
        Assert.DoesNotContain("kexec:", log);
        Assert.DoesNotContain("TARGET:", log);
        Assert.Equal(reads, CountReads(rig.Token.Transcript));

        AssertNowhere([firstLog, vm.LogPath, rig.Token.LogPath, rig.Twin.LogPath], wrong, volume.Key);
    }

    private static int CountReads(string tokenLog) => tokenLog.Split('\n').Count(l => l.Contains("READ disk", StringComparison.Ordinal));
}
