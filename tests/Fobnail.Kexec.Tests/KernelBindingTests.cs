using Fobnail.Kexec.Measurement;

namespace Fobnail.Kexec.Tests;

public sealed class KernelBindingTests : IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData(1, "EPERM", "lockdown")]
    [InlineData(8, "ENOEXEC", "not a bzImage")]
    [InlineData(129, "EKEYREJECTED", "signature was rejected")]
    [InlineData(16, "EBUSY", "busy")]
    [InlineData(12, "ENOMEM", "out of memory")]
    [InlineData(38, "ENOSYS", "CONFIG_KEXEC_FILE")]
    [InlineData(22, "EINVAL", "NUL-terminated")]
    public void Errnos_are_named_and_explained(int errno, string name, string meaning)
    {
        var e = new KexecException("kexec_file_load", errno);
        Assert.Equal(errno, e.Errno);
        Assert.Equal(name, e.ErrnoName);
        Assert.Equal("kexec_file_load", e.Call);
        Assert.StartsWith($"kexec_file_load failed: {name} (", e.Message);
        Assert.Contains(meaning, e.Message);
    }

    [Fact]
    public void The_real_syscall_reports_a_typed_errno_for_a_file_that_is_no_kernel()
    {
        // On this host (root in a sandbox) the kernel refuses before or at parsing: EPERM without CAP_SYS_BOOT or
        // under lockdown, ENOSYS without CONFIG_KEXEC_FILE, ENOEXEC for the text file. Never success.
        string notAKernel = _files.Write("not-a-kernel", "#!/bin/sh\necho hello\n"u8.ToArray());
        using KexecImage image = KexecImage.Open(new KexecRequest(notAKernel, null, "console=ttyS0"));
        var e = Assert.Throws<KexecException>(() => new LinuxKexecKernel().FileLoad(image.Kernel, null, image.Cmdline, KexecFileFlags.None));
        Assert.Equal("kexec_file_load", e.Call);
        Assert.Contains(e.ErrnoName, new[] { "EPERM", "ENOSYS", "ENOEXEC" });
    }

    [Fact]
    public void The_command_line_must_carry_its_nul()
    {
        string file = _files.Write("k", [1, 2, 3]);
        using KexecImage image = KexecImage.Open(new KexecRequest(file, null, ""));
        Assert.Throws<ArgumentException>(() => new LinuxKexecKernel().FileLoad(image.Kernel, null, "abc"u8, KexecFileFlags.None));
    }

    [Fact]
    public void Kexec_loaded_is_read_from_sysfs()
    {
        string sys = Path.Combine(_files.Dir, "sys");
        Directory.CreateDirectory(Path.Combine(sys, "kernel"));
        var kernel = new LinuxKexecKernel(sys);
        Assert.Contains("cannot read", Assert.Throws<KexecException>(() => kernel.IsLoaded()).Message);
        File.WriteAllText(Path.Combine(sys, "kernel", "kexec_loaded"), "0\n");
        Assert.False(kernel.IsLoaded());
        File.WriteAllText(Path.Combine(sys, "kernel", "kexec_loaded"), "1\n");
        Assert.True(kernel.IsLoaded());
    }

    [Fact]
    public void Policy_decisions()
    {
        Assert.False(new KexecPolicy().Decide(null).Allowed);
        Assert.False(new KexecPolicy().Decide(AttestationVerdict.Fail("x")).Allowed);
        Assert.Equal(new KexecDecision(true, false, "attestation passed: y"), new KexecPolicy().Decide(AttestationVerdict.Pass("y")));
        Assert.Equal(new KexecDecision(true, false, "attestation passed: y"), new KexecPolicy(false).Decide(AttestationVerdict.Pass("y")));
        var unattested = new KexecPolicy(false).Decide(null);
        Assert.True(unattested.Allowed);
        Assert.True(unattested.Unattested);
        Assert.StartsWith("UNATTESTED KEXEC", unattested.Message);
        Assert.True(new KexecPolicy(false).Decide(AttestationVerdict.Fail("x")).Unattested);
    }

    [Fact]
    public void Quoting_escapes_quotes_backslashes_and_control_characters()
    {
        Assert.Equal("\"a \\\"b\\\" \\\\ \\x0a\\x09\"", KexecMeasurer.Quote("a \"b\" \\ \n\t"));
        Assert.Equal("\"\"", KexecMeasurer.Quote(""));
    }
}
