using System.Diagnostics;

namespace Fobnail.Testing.Processes;

/// <summary>Starts `fobnail-init` (the fobnail-init.dll copied next to the tests) as a process with redirected output.</summary>
public static class FobnailInitProcess
{
    public static Process Start(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "fobnail-init.dll"));
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    /// <summary>Waits for the exit (failing the test after <paramref name="limit"/>) and returns the exit code and output.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Finish(Process p, TimeSpan limit)
    {
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(limit))
        {
            p.Kill();
            Assert.Fail($"fobnail-init did not finish within {limit.TotalSeconds} s");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
