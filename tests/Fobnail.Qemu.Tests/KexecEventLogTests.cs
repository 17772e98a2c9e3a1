using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Fobnail.Qemu.Tests;

/// <summary>
/// The event log travels with the boot: /init measures and kexecs a target whose initrd is a busybox /init
/// (xz-compressed, like a distribution's); the kexec step appends the CEL-JSON log as an uncompressed cpio; in
/// the target, the log is at /.fobnail/tpm2-measure.log, `fobnail-init eventlog verify` against the guest's TPM
/// passes, a copy with one changed byte fails, and tpm2_pcrread (Debian's tpm2-tools, copied into the target)
/// shows exactly the PCR 8 and 9 values `kexec measure --predict --from-zero` computed on the host beforehand.
/// </summary>
public sealed class KexecEventLogTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Boot = TimeSpan.FromSeconds(300);
    private const string SecondCmdline = "console=ttyS0 loglevel=6 panic=-1 eventlog_test=1";

    private const string TargetInit = """
        #!/bin/busybox sh
        /bin/busybox --install -s /bin
        export PATH=/bin LD_LIBRARY_PATH=/lib TPM2TOOLS_TCTI=device:/dev/tpmrm0
        mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev; mount -t tmpfs tmp /tmp
        echo "TARGET: started"
        [ -f /.fobnail/tpm2-measure.log ] && echo "TARGET: log found, $(wc -c < /.fobnail/tpm2-measure.log) bytes, $(wc -l < /.fobnail/tpm2-measure.log) records"
        fobnail-init eventlog verify --tpm device:/dev/tpmrm0 2>&1 | sed 's/^/TARGET: verify: /'
        fobnail-init eventlog verify --tpm device:/dev/tpmrm0 >/dev/null 2>&1; echo "TARGET: verify exit $?"
        sed '1s/"digest":"\([0-9a-e]\)/"digest":"f/;t;1s/"digest":"f/"digest":"0/' /.fobnail/tpm2-measure.log > /tmp/changed.log
        echo "TARGET: changed bytes $(cmp -l /.fobnail/tpm2-measure.log /tmp/changed.log | wc -l)"
        fobnail-init eventlog verify --log /tmp/changed.log --tpm device:/dev/tpmrm0 >/dev/null 2>&1; echo "TARGET: changed verify exit $?"
        tpm2 pcrread sha1:8,9+sha256:8,9 2>&1 | sed 's/^/TARGET: pcrread /'
        echo "TARGET: done"
        poweroff -f
        """;

    private static readonly Lazy<(string Target, string Initramfs)> Images = new(() =>
    {
        string target = TargetInitrd.Build("eventlog", TargetInit, ["/usr/bin/tpm2"], ["/usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0"]);
        return (target, KexecTests.BuildKexecInitramfs(target, "kexec-eventlog-initramfs"));
    });

    [Fact]
    public async Task The_target_finds_the_log_verifies_it_against_the_tpm_and_the_prediction_equals_tpm2_pcrread()
    {
        var (target, initramfs) = Images.Value;
        string predicted = Run(Repo.InitBinary, "kexec", "measure", Repo.Kernel, "--initrd", target, "--cmdline", SecondCmdline, "--predict", "--from-zero");

        string state = Directory.CreateTempSubdirectory("fobnail-kexec-eventlog-swtpm-").FullName;
        string socket = Path.Combine(state, "swtpm.sock");
        using var swtpm = Process.Start(new ProcessStartInfo("swtpm",
            ["socket", "--tpm2", "--tpmstate", $"dir={state}", "--ctrl", $"type=unixio,path={socket}", "--terminate"])
            { RedirectStandardOutput = true, RedirectStandardError = true })!;
        try
        {
            for (int i = 0; i < 100 && !File.Exists(socket); i++) await Task.Delay(50);
            Assert.True(File.Exists(socket), "swtpm did not create its control socket");
            await using var vm = QemuMachine.Start(new()
            {
                Name = "kexec-eventlog",
                Initramfs = initramfs,
                MemoryMiB = 1024,
                KernelParameters = "fobnail.steps=modules,kexec fobnail.kexec.require_attestation=0 fobnail.onfailure=poweroff " +
                    $"fobnail.kexec.kernel=/boot/vmlinuz fobnail.kexec.initrd=/boot/initrd fobnail.kexec.cmdline=\"{SecondCmdline}\"",
                ExtraArguments = ["-chardev", $"socket,id=chrtpm,path={socket}", "-tpmdev", "emulator,id=tpm0,chardev=chrtpm", "-device", "tpm-tis,tpmdev=tpm0"],
            });
            // The handover is logged before kexec_file_load, the PCR values after it.
            await vm.WaitForAsync(@"INF kexec: event log handed over at /\.fobnail/tpm2-measure\.log \(\d+ bytes appended to the initrd\)", Boot);
            var (_, first) = await vm.WaitForAsync(@"INF kexec: PCR 9 sha256: 0{64} -> ", Boot);
            var (_, started) = await vm.WaitForAsync(@"TARGET: started", Boot, first);
            await vm.WaitForAsync(@"TARGET: log found, \d+ bytes, 3 records", Boot, started);
            await vm.WaitForAsync(@"TARGET: verify exit 0$", Boot, started);
            await vm.WaitForAsync(@"TARGET: changed bytes 1$", Boot, started);
            await vm.WaitForAsync(@"TARGET: changed verify exit 1$", Boot, started);
            var (_, done) = await vm.WaitForAsync(@"TARGET: done", Boot, started);
            string log = vm.Transcript;
            Assert.Contains("TARGET: verify: explained: 3 records of /.fobnail/tpm2-measure.log", log);

            // tpm2_pcrread's values in the target equal the host's prediction, in both banks.
            string bank = "";
            int compared = 0;
            foreach (Match m in Regex.Matches(log, @"TARGET: pcrread\s+(sha1|sha256):\s*$|TARGET: pcrread\s+(\d+)\s*:\s*0x([0-9A-F]+)", RegexOptions.Multiline))
            {
                if (m.Groups[1].Success) { bank = m.Groups[1].Value; continue; }
                Assert.Contains($"PCR {m.Groups[2].Value} {bank}: {m.Groups[3].Value.ToLowerInvariant()}\n", predicted);
                compared++;
            }
            Assert.Equal(4, compared);
            Assert.Equal(0, await vm.WaitForExitAsync(TimeSpan.FromSeconds(120)));
            output.WriteLine($"prediction:\n{predicted}target log at line {done}; serial log {vm.LogPath}");
        }
        finally
        {
            if (!swtpm.HasExited) swtpm.Kill();
            Directory.Delete(state, recursive: true);
        }
    }

    private static string Run(string file, params string[] args) => Command.Output(file, args);
}
