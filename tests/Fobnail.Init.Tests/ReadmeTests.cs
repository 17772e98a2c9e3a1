using Fobnail.Init.Config;

namespace Fobnail.Init.Tests;

public sealed class ReadmeTests
{
    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "fobnail-init.slnx"))) return dir.FullName;
        throw new InvalidOperationException("repository root not found");
    }

    private static string ReadReadme() => File.ReadAllText(Path.Combine(RepoRoot(), "README.md"));

    [Fact]
    public void Every_kernel_command_line_option_is_documented_with_its_default()
    {
        string readme = ReadReadme();
        foreach (var o in BootConfig.Options)
        {
            string row = readme.Split('\n').FirstOrDefault(l => l.StartsWith($"| `fobnail.{o.Name}=", StringComparison.Ordinal))
                ?? throw new Xunit.Sdk.XunitException($"README has no row for fobnail.{o.Name}");
            string expectedDefault = o.Default == "(none)" ? "none" : $"`{o.Default}`";
            Assert.Contains($"| {expectedDefault} |", row);
        }
    }

    [Fact]
    public void The_first_lines_give_the_demo_and_the_test_command_and_ci_runs_the_test_command()
    {
        var lines = ReadReadme().Split('\n').Take(8).ToList();
        Assert.Contains(lines, l => l.StartsWith("./build.sh demo", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("./build.sh test", StringComparison.Ordinal));
        Assert.Contains("./build.sh test", File.ReadAllText(Path.Combine(RepoRoot(), ".ci", "run")));
    }
}
