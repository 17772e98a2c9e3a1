namespace Fobnail.Qemu.Tests.Demo;

/// <summary>Runs host tools (ip, swtpm_setup) for the demo set-up; a failure throws with the tool's stderr.</summary>
internal static class Tools
{
    public static string Run(string tool, params string[] args) => Command.Output(tool, args);

    /// <summary>A helper program built under tests/<paramref name="project"/>/bin, Release or Debug, whichever is newer.</summary>
    public static string BuiltDll(string project, string dll)
    {
        string bin = Path.Combine(Repo.Root, "tests", project, "bin");
        var found = new[] { "Debug", "Release" }
            .Select(c => Path.Combine(bin, c, "net10.0", "linux-x64", dll))
            .Where(File.Exists).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault();
        return found ?? throw new InvalidOperationException($"{dll} is not built under {bin}: dotnet build tests/{project}");
    }
}
