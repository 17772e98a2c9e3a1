using System.Diagnostics;

namespace Fobnail.Testing.Processes;

/// <summary>What a finished command printed and how it exited.</summary>
public sealed record CommandResult(string CommandLine, int ExitCode, string Stdout, string Stderr)
{
    /// <summary>This result, or <see cref="InvalidOperationException"/> with the command's stderr when it exited non-zero.</summary>
    public CommandResult EnsureSuccess() => ExitCode == 0 ? this
        : throw new InvalidOperationException($"{CommandLine} exited {ExitCode}: {Stderr}{(Stdout.Length > 0 ? "\n" + Stdout : "")}");

    /// <summary>The three parts assertions look at: <c>var (exit, stdout, stderr) = ...</c>.</summary>
    public void Deconstruct(out int exitCode, out string stdout, out string stderr) => (exitCode, stdout, stderr) = (ExitCode, Stdout, Stderr);

    public override string ToString() => $"{CommandLine}: exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>How to run a command: all optional.</summary>
public sealed record CommandOptions
{
    /// <summary>Killed (with its children) and <see cref="TimeoutException"/> after this long; default 2 minutes.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }
    /// <summary>Written to stdin, which is then closed; null leaves stdin as the test's.</summary>
    public string? Input { get; init; }
    public string? WorkingDirectory { get; init; }
    /// <summary>Run as the unprivileged user nobody (setpriv), e.g. to see a bus policy refuse it.</summary>
    public bool AsNobody { get; init; }
    /// <summary>Run inside this network namespace (ip netns exec).</summary>
    public string? NetworkNamespace { get; init; }
}

/// <summary>
/// The tests' one way to run an external program (ip, swtpm_setup, tpm2-tools, busctl, coap-client, cpio...) to
/// its end: output collected, a deadline, and a failure that carries the program's stderr.
/// </summary>
public static class Command
{
    public static async Task<CommandResult> RunAsync(string file, IEnumerable<string> args, CommandOptions? options = null)
    {
        options ??= new CommandOptions();
        ProcessStartInfo psi = StartInfo(file, args, options);
        psi.RedirectStandardInput = options.Input is not null;
        string commandLine = $"{file} {string.Join(' ', args)}";
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (options.Input is not null)
        {
            await p.StandardInput.WriteAsync(options.Input);
            p.StandardInput.Close();
        }
        using var deadline = new CancellationTokenSource(options.Timeout);
        try
        {
            await p.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{commandLine} did not finish within {options.Timeout.TotalSeconds:F0} s");
        }
        return new CommandResult(commandLine, p.ExitCode, await stdout, await stderr);
    }

    /// <summary>Synchronous <see cref="RunAsync"/>, for constructors and fixtures.</summary>
    public static CommandResult Run(string file, IEnumerable<string> args, CommandOptions? options = null) =>
        RunAsync(file, args, options).GetAwaiter().GetResult();

    /// <summary>Runs <paramref name="file"/> and returns its stdout; throws with its stderr on a non-zero exit.</summary>
    public static string Output(string file, params string[] args) => Run(file, args).EnsureSuccess().Stdout;

    /// <summary>The start info the runners here use, for processes that outlive one call (<see cref="LoggedProcess"/>).</summary>
    internal static ProcessStartInfo StartInfo(string file, IEnumerable<string> args, CommandOptions options)
    {
        var psi = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var argv = new List<string>();
        if (options.NetworkNamespace is { } ns) argv.AddRange(["ip", "netns", "exec", ns]);
        if (options.AsNobody) argv.AddRange(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]);
        argv.Add(file);
        argv.AddRange(args);
        psi.FileName = argv[0];
        foreach (string a in argv.Skip(1)) psi.ArgumentList.Add(a);
        if (options.AsNobody) psi.Environment["HOME"] = "/nonexistent";
        foreach (var (name, value) in options.Environment ?? new Dictionary<string, string?>())
        {
            if (value is null) psi.Environment.Remove(name);
            else psi.Environment[name] = value;
        }
        if (options.WorkingDirectory is { } wd) psi.WorkingDirectory = wd;
        return psi;
    }
}
