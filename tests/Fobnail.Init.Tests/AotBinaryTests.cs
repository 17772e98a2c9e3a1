namespace Fobnail.Init.Tests;

/// <summary>
/// The static NativeAOT binary (out/fobnail-init, from ./build.sh build): what only shows there. Error messages
/// were .NET resource keys (`IO_FileNotFound_FileName, /x`) while the build stripped the framework's messages; and
/// it must not take being PID 1 of a new PID namespace for being the kernel's /init.
/// </summary>
public sealed class AotBinaryTests
{
    private static CommandResult Run(string file, params string[] args) =>
        Command.Run(file, args, new() { Timeout = TimeSpan.FromSeconds(60) });

    [Theory]
    [InlineData(1, "kexec", "measure", "/nonexistent")]
    [InlineData(1, "kexec", "measure", "/")]
    [InlineData(2, "coap", "post", "coap://127.0.0.1:9/x", "--payload-file", "/nonexistent")]
    [InlineData(2, "coap", "post", "coap://127.0.0.1:9/x", "--payload-file", "/")]
    [InlineData(2, "attest", "--metadata", "/nonexistent")]
    [InlineData(2, "fs", "get", "x", "--file", "/")]
    [InlineData(1, "tpm", "info", "--tpm", "device:/nonexistent/tpm")]
    [InlineData(1, "tpm", "info", "--tpm", "swtpm:127.0.0.1:9")]
    [InlineData(2, "tpm", "quote", "--nonce", "zz", "--tpm", "device:/nonexistent/tpm")]
    [InlineData(2, "net", "watch", "--timeout", "-1")]
    [InlineData(1, "modules", "resolve", "x", "--dir", "/nonexistent")]
    [InlineData(2, "tpm", "bench", "--count", "0")]
    public void Error_messages_are_readable(int code, params string[] args)
    {
        var result = Run(Repo.InitBinary, args);
        Assert.True(result.ExitCode == code, $"exit {result.ExitCode}, expected {code}: {result.Stderr}");
        Assert.NotEqual("", result.Stderr.Trim());
        Assert.DoesNotMatch(CliErrorTests.ResourceKey, result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    /// <summary>
    /// `unshare -p -f` makes the command PID 1 of a new PID namespace: it must still be the command line tool (no
    /// mounts, no console, no boot sequence) and leave machine-wide settings such as printk_devkmsg alone.
    /// </summary>
    [Fact]
    public void Pid_1_of_a_new_pid_namespace_runs_the_command_not_the_boot_sequence()
    {
        string devkmsg = File.ReadAllText("/proc/sys/kernel/printk_devkmsg");
        var result = Run("unshare", "-m", "-p", "-f", "--mount-proc", Repo.InitBinary, "tpm", "info", "--tpm", "device:/nonexistent/tpm");
        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}: {result.Stdout} {result.Stderr}");
        Assert.Contains("tpm: ", result.Stderr);
        Assert.Contains("/nonexistent/tpm", result.Stderr);
        Assert.DoesNotContain("running as PID", result.Stdout + result.Stderr);
        Assert.DoesNotContain("mounted", result.Stdout + result.Stderr);
        Assert.Equal(devkmsg, File.ReadAllText("/proc/sys/kernel/printk_devkmsg"));

        result = Run("unshare", "-m", "-p", "-f", "--mount-proc", Repo.InitBinary, "cmdline", "parse", "fobnail.final=poweroff");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("poweroff", result.Stdout);
    }
}
