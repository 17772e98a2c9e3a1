using System.Diagnostics;

namespace Fobnail.Boot.Tests;

/// <summary>Disk and filesystem images made by the real tools (sfdisk, mkfs.*) on sparse files: no loop devices.</summary>
public static class Images
{
    public static string Run(string file, params string[] args) => RunWithInput(file, null, args);

    public static string RunWithInput(string file, string? input, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input is not null };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        if (input is not null) { p.StandardInput.Write(input); p.StandardInput.Close(); }
        string output = p.StandardOutput.ReadToEnd();
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {error}");
        return output;
    }

    public static string Sparse(string directory, string name, long bytes)
    {
        string path = Path.Combine(directory, name);
        using var f = File.Create(path);
        f.SetLength(bytes);
        return path;
    }

    /// <summary>blkid -p's view of a filesystem image: TYPE, UUID, LABEL.</summary>
    public static Dictionary<string, string> Blkid(string image) =>
        Run("blkid", "-p", "-o", "export", image).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1]);
}
