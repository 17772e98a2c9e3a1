namespace Fobnail.Kexec.Tests;

/// <summary>`fobnail-init kexec ...` without a TPM.</summary>
public sealed class CliTests : IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Measure_prints_the_text_event_log_with_coreutils_digests()
    {
        string kernel = _files.Random("vmlinuz", 123_456, 1);
        var (code, stdout, stderr) = TpmTests.Cli("kexec", "measure", kernel, "--cmdline", "console=ttyS0", "--banks", "sha256,sha384");
        Assert.True(code == 0, stderr);
        string[] lines = stdout.TrimEnd('\n').Split('\n');
        Assert.Equal($"9 sha256:{TestFiles.Sum("sha256sum", kernel)} sha384:{TestFiles.Sum("sha384sum", kernel)} kernel {kernel} (123456 bytes)", lines[1]);
        Assert.StartsWith("8 sha256:", lines[2]);
        Assert.EndsWith("cmdline \"console=ttyS0\" (14 bytes)", lines[2]);
        Assert.Equal("# not extended into a TPM", lines[3]);
    }

    [Fact]
    public void Errors_exit_nonzero_with_a_message()
    {
        var (code, _, stderr) = TpmTests.Cli("kexec", "measure", Path.Combine(_files.Dir, "missing"));
        Assert.Equal(1, code);
        Assert.Contains("kexec: cannot open the kernel", stderr);
        (code, _, stderr) = TpmTests.Cli("kexec", "measure", _files.Random("k", 10, 2), "--banks", "md5");
        Assert.Equal(2, code);
        Assert.Contains("--banks: 'md5'", stderr);
    }

    [Fact]
    public void Load_of_a_file_that_is_no_kernel_fails_with_the_errno_name()
    {
        string notAKernel = _files.Write("not-a-kernel", "hello\n"u8.ToArray());
        var (code, _, stderr) = TpmTests.Cli("kexec", "load", notAKernel, "--cmdline", "console=ttyS0");
        Assert.Equal(1, code);
        Assert.Matches("kexec_file_load failed: (EPERM|ENOSYS|ENOEXEC)", stderr);
        Assert.Contains("UNATTESTED KEXEC", stderr);
    }
}
