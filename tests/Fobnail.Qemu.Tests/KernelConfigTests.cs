namespace Fobnail.Qemu.Tests;

/// <summary>The test kernel provides every option kernel-config/fobnail.config asks for.</summary>
public sealed class KernelConfigTests
{
    private static Dictionary<string, string> Read(string path) =>
        File.ReadAllLines(path)
            .Select(l => l.Trim())
            .Where(l => l.StartsWith("CONFIG_", StringComparison.Ordinal) && l.Contains('='))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1]);

    [Fact]
    public void Test_kernel_satisfies_the_fragment()
    {
        var fragment = Read(Path.Combine(Repo.Root, "kernel-config", "fobnail.config"));
        string kernelConfig = Directory.GetFiles(Path.Combine(Repo.Root, "build", "kernel", "boot"), "config-*").Single();
        var actual = Read(kernelConfig);
        Assert.NotEmpty(fragment);
        var missing = fragment
            .Where(f => !actual.TryGetValue(f.Key, out var v) || !(v == f.Value || (f.Value == "m" && v == "y")))
            .Select(f => $"{f.Key}={f.Value} (kernel has {(actual.TryGetValue(f.Key, out var v) ? v : "not set")})")
            .ToList();
        Assert.True(missing.Count == 0, "missing: " + string.Join(", ", missing));
    }
}
