using System.Diagnostics;

namespace Fobnail.Hosted.Tests.Support;

/// <summary>Runs an independent client (busctl, gdbus, systemd-analyze) and collects its output.</summary>
internal static class Tool
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
    }

    /// <summary>Runs <paramref name="file"/>; with <paramref name="asNobody"/> through setpriv as the unprivileged user nobody.</summary>
    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, bool asNobody = false, int timeoutSeconds = 60)
    {
        var psi = new ProcessStartInfo(asNobody ? "setpriv" : file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (asNobody)
        {
            foreach (string a in new[] { "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", file }) psi.ArgumentList.Add(a);
        }
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeoutSeconds} s");
        }
        return new Result(p.ExitCode, await stdout, await stderr);
    }

    public static Task<Result> Busctl(string address, params string[] args) =>
        RunAsync("busctl", [$"--address={address}", .. args]);

    public static Task<Result> BusctlAsNobody(string address, params string[] args) =>
        RunAsync("busctl", [$"--address={address}", .. args], asNobody: true);
}
