using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Fobnail.Init.Tests;

/// <summary>
/// Bad inputs at the command line (fobnail-init.dll as a process): one readable line on stderr and the documented
/// exit code (README "Command line"), never a stack trace, a hang or an out-of-memory.
/// </summary>
public sealed class CliErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cli-errors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static CommandResult Run(params string[] args)
    {
        return FobnailInitProcess.Run(args, TimeSpan.FromSeconds(60));
    }

    private string Fifo()
    {
        string path = Path.Combine(_dir, "fifo");
        if (!File.Exists(path))
            Command.Output("mkfifo", path);
        return path;
    }

    private static void OneLine(int expectedCode, CommandResult result, string expected)
    {
        Assert.True(result.ExitCode == expectedCode, $"exit {result.ExitCode}, expected {expectedCode}: {result.Stderr}");
        Assert.Contains(expected, result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr); // no stack trace
        Assert.DoesNotContain("Exception", result.Stderr);
    }

    public static TheoryData<string> BadInputs => new() { "dir", "/dev/zero", "fifo" };

    private string Input(string kind) => kind switch { "dir" => _dir, "fifo" => Fifo(), _ => kind };

    private static string Kind(string kind) => kind switch { "dir" => "is a directory", "fifo" => "is a FIFO", _ => "is a character device" };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Coap_payload_file_must_be_a_regular_file(string kind)
    {
        OneLine(2, Run("coap", "post", "coap://127.0.0.1:9/x", "--payload-file", Input(kind)), $"--payload-file {Input(kind)}: {Kind(kind)}, not a regular file");
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Fs_put_file_is_checked_before_the_token_is_asked(string kind)
    {
        // The token endpoint is a port nobody listens on: the file is refused before any attempt to attest.
        OneLine(2, Run("fs", "put", "name", "--file", Input(kind), "--token", "127.0.0.1:9", "--tpm", "device:/nonexistent"),
            $"--file {Input(kind)}: {Kind(kind)}, not a regular file");
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Attest_metadata_file_must_be_a_regular_file(string kind)
    {
        OneLine(2, Run("attest", "--metadata", Input(kind), "--token", "127.0.0.1:9", "--tpm", "device:/nonexistent"),
            $"--metadata {Input(kind)}: {Kind(kind)}, not a regular file");
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Modules_cmdline_file_must_be_a_regular_file(string kind)
    {
        string modules = Directory.GetDirectories(Path.Combine(Repo.Root, "build", "kernel", "lib", "modules")).Single();
        OneLine(2, Run("modules", "load", "cdc_eem", "--dir", modules, "--cmdline", Input(kind)), $"--cmdline {Input(kind)}: {Kind(kind)}, not a regular file");
    }

    [Fact]
    public void Inputs_larger_than_the_limit_are_refused_by_what_was_read()
    {
        string big = Path.Combine(_dir, "big");
        File.WriteAllBytes(big, new byte[6001]);
        OneLine(2, Run("fs", "put", "name", "--file", big, "--token", "127.0.0.1:9"), $"--file {big}: larger than 6000 bytes");
    }

    [Fact]
    public void Fs_get_into_a_directory_is_refused_before_the_token_is_asked()
    {
        OneLine(2, Run("fs", "get", "name", "--file", _dir, "--token", "127.0.0.1:9", "--tpm", "device:/nonexistent"), $"--file {_dir}: is a directory");
    }

    [Fact]
    public void A_count_of_zero_is_refused_not_raised_to_one()
    {
        OneLine(2, Run("tpm", "bench", "--count", "0", "--tpm", "device:/nonexistent"), "--count 0: expected 1 to 1000000");
    }

    [Theory]
    [InlineData("tpm", "info", "--timeout", "-1", "expected seconds between 0 and 3600")]
    [InlineData("tpm", "info", "--keygen-timeout", "99999999", "expected seconds between 0 and 3600")]
    [InlineData("attest", "--tpm", "--ack-timeout", "0.01", "expected seconds between 0.05 and 60")]
    public void Out_of_range_timeouts_are_usage_errors(string command, string sub, string option, string value, string message)
    {
        string[] args = sub == "--tpm" ? [command, option, value] : [command, sub, option, value];
        OneLine(2, Run(args), $"{option} {value}: {message}");
    }

    [Fact]
    public void Unknown_options_are_usage_errors()
    {
        OneLine(2, Run("tpm", "info", "--no-such-option"), "--no-such-option");
    }

    [Fact]
    public void A_missing_kernel_is_a_readable_line()
    {
        var result = Run("kexec", "measure", "/nonexistent");
        OneLine(1, result, "/nonexistent");
        Assert.DoesNotMatch(ResourceKey, result.Stderr);
    }

    /// <summary>What a .NET resource key looks like when UseSystemResourceKeys strips the messages: IO_FileNotFound_FileName.</summary>
    internal const string ResourceKey = @"\b[A-Z][A-Za-z]+_[A-Z][A-Za-z]+(_[A-Za-z]+)*\b";

    /// <summary>Ctrl-C is handled once for every command: a CoAP request to a silent peer ends with 130 at once.</summary>
    [Fact]
    public async Task Ctrl_C_ends_any_command_with_130()
    {
        using var silent = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)silent.Client.LocalEndPoint!).Port;
        await using LoggedProcess p = FobnailInitProcess.Start(["coap", "get", $"coap://127.0.0.1:{port}/api/version"]);
        IPEndPoint? from = null;
        Assert.True(silent.Client.Poll(TimeSpan.FromSeconds(60), SelectMode.SelectRead), "fobnail-init sent no request");
        silent.Receive(ref from);
        var clock = Stopwatch.StartNew();
        await p.SignalAsync("INT");
        int code = await p.WaitForExitAsync(TimeSpan.FromSeconds(30));
        string stderr = string.Join('\n', p.StderrLines);
        Assert.True(code == 130, $"exit {code}: {stderr}");
        Assert.Contains("interrupted", stderr);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(20));
    }
}
