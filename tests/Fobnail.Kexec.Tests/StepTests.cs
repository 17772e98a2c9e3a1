using Fobnail.Init.Boot;
using Fobnail.Init.Config;

namespace Fobnail.Kexec.Tests;

/// <summary>KexecStep inside a boot context, configured from a kernel command line, with a fake kernel.</summary>
public sealed class StepTests : IDisposable
{
    private readonly TestFiles _files = new();
    private readonly ListSink _log = new();

    public void Dispose() => _files.Dispose();

    private (BootConfig Config, IReadOnlyList<string> Problems) Config(string cmdline) =>
        (BootConfig.FromCommandLine(KernelCommandLine.Parse(cmdline), out var problems), problems);

    private async Task<StepOutcome> RunAsync(string cmdline, FakeKexecKernel kernel, AttestationVerdict? verdict = null)
    {
        var (config, problems) = Config(cmdline);
        Assert.Empty(problems);
        var context = new BootContext(config, _log.Logger(), cmdline);
        context.Verdict = verdict;
        return await new KexecStep(kernel, Path.Combine(_files.Dir, "measurements")).RunAsync(context, CancellationToken.None);
    }

    [Fact]
    public void Options_parse_from_the_kernel_command_line_with_a_quoted_cmdline()
    {
        var (config, problems) = Config("fobnail.steps=modules,kexec fobnail.kexec.kernel=/boot/vmlinuz fobnail.kexec.initrd=/boot/initrd " +
            "fobnail.kexec.cmdline=\"console=ttyS0 fobnail.steps=modules kexec_test_marker=1\" fobnail.kexec.require_attestation=0 " +
            "fobnail.kexec.kernel_pcr=10 fobnail.kexec.cmdline_pcr=11");
        Assert.Empty(problems);
        Assert.Equal([BootStep.Modules, BootStep.Kexec], config.Steps);
        Assert.Equal("/boot/vmlinuz", config.KexecKernel);
        Assert.Equal("/boot/initrd", config.KexecInitrd);
        Assert.Equal("console=ttyS0 fobnail.steps=modules kexec_test_marker=1", config.KexecCmdline);
        Assert.False(config.KexecRequireAttestation);
        Assert.Equal(10, config.KexecKernelPcr);
        Assert.Equal(11, config.KexecCmdlinePcr);

        var defaults = new BootConfig();
        Assert.True(defaults.KexecRequireAttestation);
        Assert.Null(defaults.KexecKernel);
        Assert.Equal((9, 8), (defaults.KexecKernelPcr, defaults.KexecCmdlinePcr));

        var (_, bad) = Config("fobnail.kexec.kernel_pcr=24 fobnail.kexec.require_attestation=maybe");
        Assert.Contains(bad, p => p.Contains("'24' is not a PCR index 0-23", StringComparison.Ordinal));
        Assert.Contains(bad, p => p.Contains("'maybe' is not 1 or 0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_kernel_option_the_step_fails()
    {
        var outcome = await RunAsync("fobnail.steps=kexec", new FakeKexecKernel());
        Assert.Equal("fobnail.kexec.kernel is not set: there is no kernel to boot", Assert.IsType<StepOutcome.Failed>(outcome).Summary);
    }

    [Fact]
    public async Task By_default_no_verdict_means_a_failed_step_and_no_kexec()
    {
        string kernel = _files.Random("vmlinuz", 1000, 1);
        var fake = new FakeKexecKernel();
        var outcome = await RunAsync($"fobnail.kexec.kernel={kernel}", fake);
        Assert.StartsWith("refusing to kexec: no attestation verdict", Assert.IsType<StepOutcome.Failed>(outcome).Summary);
        Assert.Empty(fake.Calls);
    }

    [Fact]
    public async Task A_passed_verdict_without_a_reachable_tpm_fails_closed()
    {
        string kernel = _files.Random("vmlinuz", 1000, 2);
        var fake = new FakeKexecKernel();
        var outcome = await RunAsync($"fobnail.kexec.kernel={kernel} fobnail.tpm=device:{_files.Dir}/no-tpm", fake, AttestationVerdict.Pass("quote verified"));
        Assert.Contains("cannot open the TPM", Assert.IsType<StepOutcome.Failed>(outcome).Summary);
        Assert.Empty(fake.Calls);
    }

    [Fact]
    public async Task Unattested_bring_up_measures_loads_and_reboots_with_the_configured_cmdline()
    {
        string kernel = _files.Random("vmlinuz", 3000, 3), initrd = _files.Random("initrd", 2000, 4);
        var fake = new FakeKexecKernel();
        var outcome = await RunAsync($"fobnail.kexec.kernel={kernel} fobnail.kexec.initrd={initrd} fobnail.kexec.cmdline=\"console=ttyS0 x=1\" " +
            $"fobnail.kexec.require_attestation=0 fobnail.tpm=device:{_files.Dir}/no-tpm", fake);
        Assert.IsType<StepOutcome.Succeeded>(outcome);
        Assert.Equal(["load", "loaded?", "reboot"], fake.Calls);
        Assert.Equal("console=ttyS0 x=1\0"u8.ToArray(), fake.Cmdline);
        Assert.Equal(File.ReadAllBytes(initrd), fake.InitrdBytes![..2000]);
        Assert.Contains(_log.Lines, l => l.StartsWith("WRN kexec: UNATTESTED KEXEC", StringComparison.Ordinal));
        string events = File.ReadAllText(Path.Combine(_files.Dir, "measurements"));
        Assert.Contains($"{{\"hashAlg\":\"sha256\",\"digest\":\"{TestFiles.Sum("sha256sum", kernel)}\"}}", events);
        Assert.Contains($"\"object\":\"kernel\",\"description\":\"{kernel}\",\"size\":3000", events);
    }
}
