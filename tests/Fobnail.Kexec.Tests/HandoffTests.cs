using System.Text;
using Fobnail.Tpm;
using Fobnail.Kexec.Initrd;
using Fobnail.Kexec.Measurement;

namespace Fobnail.Kexec.Tests;

public sealed class HandoffTests : IDisposable
{
    private readonly TestFiles _files = new();
    private readonly ListSink _log = new();
    private readonly List<string> _calls = [];

    public void Dispose() => _files.Dispose();

    private KexecHandoff Handoff(FakeKexecKernel kernel, bool requireAttestation = true, Func<IPcrExtender?>? extender = null, string? eventLog = null) =>
        new(kernel, _log.Logger())
        {
            Policy = new KexecPolicy(requireAttestation),
            OpenExtender = extender ?? (() => new SoftwarePcrs([TpmAlgId.Sha1, TpmAlgId.Sha256], _calls)),
            EventLogPath = eventLog,
        };

    private KexecRequest Request(string cmdline = "console=ttyS0")
    {
        string kernel = _files.Random("vmlinuz", 20000, 1), initrd = _files.Random("initrd", 9000, 2);
        return new KexecRequest(kernel, initrd, cmdline);
    }

    [Fact]
    public void Passed_attestation_measures_extends_loads_the_same_bytes_logs_then_reboots()
    {
        var kernel = new FakeKexecKernel(_calls);
        KexecRequest request = Request("console=ttyS0 marker=1");
        string logPath = Path.Combine(_files.Dir, "run", "measurements");
        var result = Handoff(kernel, eventLog: logPath).Run(request, AttestationVerdict.Pass("token accepted the quote"), execute: true);

        var rebooted = Assert.IsType<KexecHandoffResult.Rebooted>(result);
        Assert.Equal(["read 8,9", "extend 9", "extend 9", "extend 8", "read 8,9", "load", "loaded?", "reboot"], _calls);
        Assert.Equal(File.ReadAllBytes(request.KernelPath), kernel.KernelBytes);
        // The target initrd, byte for byte, then the appended archive at a 4-byte boundary.
        byte[] initrd = File.ReadAllBytes(request.InitrdPath!);
        Assert.Equal(initrd, kernel.InitrdBytes![..initrd.Length]);
        Assert.Equal("070701"u8.ToArray(), kernel.InitrdBytes![NewcArchive.Align4(initrd.Length)..][..6]);
        Assert.Equal([.. Encoding.UTF8.GetBytes("console=ttyS0 marker=1"), 0], kernel.Cmdline);
        Assert.Equal(KexecFileFlags.None, kernel.Flags);
        Assert.Equal("software PCRs", rebooted.Log.ExtendedInto);
        Assert.Equal(CelLog.Serialize(CelLog.FromEventLog(rebooted.Log)), File.ReadAllBytes(logPath));
        Assert.Contains("INF kexec: attestation passed: token accepted the quote", _log.Lines);
        Assert.Equal(3, _log.Lines.Count(l => l.StartsWith("INF kexec: measured PCR ", StringComparison.Ordinal)));
        Assert.DoesNotContain(_log.Lines, l => l.StartsWith("WRN", StringComparison.Ordinal) || l.StartsWith("ERR", StringComparison.Ordinal));
    }

    [Fact]
    public void What_is_measured_is_what_is_loaded_even_if_the_path_is_replaced_after_opening()
    {
        KexecRequest request = Request();
        byte[] original = File.ReadAllBytes(request.KernelPath);
        using KexecImage image = KexecImage.Open(request);
        // An attacker swaps the file at the path between open and measure/load: the descriptor still names the original.
        string evil = _files.Random("evil", 20000, 99);
        File.Move(evil, request.KernelPath, overwrite: true);

        EventLog log = KexecMeasurer.Measure(image, [TpmAlgId.Sha256]);
        var kernel = new FakeKexecKernel();
        kernel.FileLoad(image.Kernel, image.Initrd, image.Cmdline, KexecFileFlags.None);
        Assert.Equal(original, kernel.KernelBytes);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(original), log.Events[0].Digests[0].Digest);
        Assert.NotEqual(original, File.ReadAllBytes(request.KernelPath));
    }

    [Fact]
    public void Load_without_execute_does_not_reboot()
    {
        var kernel = new FakeKexecKernel(_calls);
        var result = Handoff(kernel).Run(Request(), AttestationVerdict.Pass("ok"), execute: false);
        Assert.IsType<KexecHandoffResult.Loaded>(result);
        Assert.DoesNotContain("reboot", _calls);
    }

    [Fact]
    public void No_verdict_is_refused_by_default_before_anything_is_opened()
    {
        var kernel = new FakeKexecKernel(_calls);
        bool opened = false;
        var result = Handoff(kernel, extender: () => { opened = true; return null; }).Run(Request(), verdict: null, execute: true);
        var refused = Assert.IsType<KexecHandoffResult.Refused>(result);
        Assert.Contains("refusing to kexec: no attestation verdict", refused.Summary);
        Assert.Empty(_calls);
        Assert.False(opened);
        Assert.Contains(_log.Lines, l => l.StartsWith("ERR kexec: refusing", StringComparison.Ordinal));
    }

    [Fact]
    public void A_failed_verdict_is_refused_with_its_reason()
    {
        var result = Handoff(new FakeKexecKernel(_calls)).Run(Request(), AttestationVerdict.Fail("PCR 0 does not match the RIM"), execute: true);
        Assert.Equal("refusing to kexec: attestation failed: PCR 0 does not match the RIM", Assert.IsType<KexecHandoffResult.Refused>(result).Summary);
        Assert.Empty(_calls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Require_attestation_0_boots_unattested_with_a_loud_warning(bool failedVerdict)
    {
        var kernel = new FakeKexecKernel(_calls);
        var result = Handoff(kernel, requireAttestation: false).Run(Request(), failedVerdict ? AttestationVerdict.Fail("bad") : null, execute: true);
        Assert.IsType<KexecHandoffResult.Rebooted>(result);
        Assert.Contains(_log.Lines, l => l.StartsWith("WRN kexec: UNATTESTED KEXEC", StringComparison.Ordinal));
        Assert.Contains("reboot", _calls);
    }

    [Fact]
    public void No_tpm_fails_closed_when_attestation_is_required()
    {
        var result = Handoff(new FakeKexecKernel(_calls), extender: () => throw new TpmTransportException("cannot open /dev/tpmrm0: No such file"))
            .Run(Request(), AttestationVerdict.Pass("ok"), execute: true);
        Assert.Contains("cannot open the TPM", Assert.IsType<KexecHandoffResult.Failed>(result).Summary);
        Assert.Empty(_calls);
    }

    [Fact]
    public void No_tpm_with_require_attestation_0_measures_without_extending_and_says_so()
    {
        var kernel = new FakeKexecKernel(_calls);
        var result = Handoff(kernel, requireAttestation: false, extender: () => throw new TpmTransportException("cannot open /dev/tpmrm0"))
            .Run(Request(), null, execute: true);
        var rebooted = Assert.IsType<KexecHandoffResult.Rebooted>(result);
        Assert.Null(rebooted.Log.ExtendedInto);
        Assert.Equal([TpmAlgId.Sha1, TpmAlgId.Sha256], rebooted.Log.Events[0].Digests.Select(d => d.Hash));
        Assert.Contains(_log.Lines, l => l.Contains("NO TPM", StringComparison.Ordinal) && l.Contains("NOT extended", StringComparison.Ordinal));
    }

    [Fact]
    public void An_extend_failure_stops_before_loading()
    {
        var pcrs = new SoftwarePcrs([TpmAlgId.Sha256], _calls) { Error = new TpmException("TPM2_PCR_Extend failed: TPM_RC_LOCALITY") };
        var result = Handoff(new FakeKexecKernel(_calls), extender: () => pcrs).Run(Request(), AttestationVerdict.Pass("ok"), execute: true);
        Assert.Contains("extending the measurements failed: TPM2_PCR_Extend failed", Assert.IsType<KexecHandoffResult.Failed>(result).Summary);
        Assert.Equal(["read 8,9", "extend 9"], _calls);
    }

    [Fact]
    public void A_missing_kernel_or_a_too_large_one_is_a_failed_result_not_an_exception()
    {
        var missing = new KexecRequest(Path.Combine(_files.Dir, "none"), null, "");
        Assert.Contains("cannot open the kernel", Assert.IsType<KexecHandoffResult.Failed>(Handoff(new FakeKexecKernel(_calls)).Run(missing, AttestationVerdict.Pass("ok"), true)).Summary);
        var big = Request() with { Limits = new KexecLimits { MaxKernelBytes = 100 } };
        Assert.Contains("measuring failed: kernel", Assert.IsType<KexecHandoffResult.Failed>(Handoff(new FakeKexecKernel(_calls)).Run(big, AttestationVerdict.Pass("ok"), true)).Summary);
        Assert.DoesNotContain("load", _calls);
    }

    [Fact]
    public void Kernel_errors_are_failed_results_naming_the_errno_and_no_reboot_follows()
    {
        var rejected = new FakeKexecKernel(_calls) { LoadError = new KexecException("kexec_file_load", 129) };
        var result = Handoff(rejected).Run(Request(), AttestationVerdict.Pass("ok"), true);
        var failed = Assert.IsType<KexecHandoffResult.Failed>(result);
        Assert.Equal("kexec_file_load failed: EKEYREJECTED (the kernel image's signature was rejected)", failed.Summary);
        Assert.NotNull(failed.Log);
        Assert.DoesNotContain("reboot", _calls);

        _calls.Clear();
        var notLoaded = new FakeKexecKernel(_calls) { ReportLoaded = false };
        Assert.Contains("kexec_loaded is not 1", Assert.IsType<KexecHandoffResult.Failed>(Handoff(notLoaded).Run(Request(), AttestationVerdict.Pass("ok"), true)).Summary);
        Assert.DoesNotContain("reboot", _calls);

        var rebootFails = new FakeKexecKernel() { RebootError = new KexecException("reboot", 22) };
        Assert.Equal("reboot failed: EINVAL (no kexec image is loaded)",
            Assert.IsType<KexecHandoffResult.Failed>(Handoff(rebootFails).Run(Request(), AttestationVerdict.Pass("ok"), true)).Summary);
    }

    [Fact]
    public void An_unwritable_event_log_path_is_a_warning_not_a_failure()
    {
        string notADir = _files.Write("file", [1]);
        var result = Handoff(new FakeKexecKernel(_calls), eventLog: Path.Combine(notADir, "measurements")).Run(Request(), AttestationVerdict.Pass("ok"), true);
        Assert.IsType<KexecHandoffResult.Rebooted>(result);
        Assert.Contains(_log.Lines, l => l.StartsWith("WRN kexec: cannot write the event log", StringComparison.Ordinal));
    }
}
