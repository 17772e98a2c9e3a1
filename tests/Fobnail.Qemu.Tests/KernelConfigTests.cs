using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Fobnail.Qemu.Tests;

/// <summary>
/// kernel-config/: every option says why; the Debian test kernel provides every option the product needs (as a
/// module where the minimal kernel builds it in); the minimal kernel's .config, when built, has every option.
/// </summary>
public sealed partial class KernelConfigTests(ITestOutputHelper output)
{
    /// <summary>One option of a fragment ("n" for "# CONFIG_X is not set") and the comment lines directly above it.</summary>
    private sealed record Option(string Name, string Value, int Line, IReadOnlyList<string> Why)
    {
        /// <summary>A size or speed choice of the minimal kernel that a distribution kernel rightly differs on.</summary>
        public bool MinimalKernelOnly => Why.Any(w => w.Contains("minimal kernel only", StringComparison.Ordinal));

        public override string ToString() => $"{Name}={Value} (line {Line})";
    }

    [GeneratedRegex(@"^(CONFIG_[A-Za-z0-9_]+)=(.*)$")]
    private static partial Regex SetLine();

    [GeneratedRegex(@"^# (CONFIG_[A-Za-z0-9_]+) is not set$")]
    private static partial Regex UnsetLine();

    private static string Fragment(string name) => Path.Combine(Repo.Root, "kernel-config", name);

    private static List<Option> ReadFragment(string path)
    {
        var options = new List<Option>();
        var why = new List<string>();
        int number = 0;
        foreach (string raw in File.ReadLines(path))
        {
            number++;
            string line = raw.Trim();
            if (SetLine().Match(line) is { Success: true } set) { options.Add(new(set.Groups[1].Value, set.Groups[2].Value, number, why)); why = []; }
            else if (UnsetLine().Match(line) is { Success: true } unset) { options.Add(new(unset.Groups[1].Value, "n", number, why)); why = []; }
            // "## Section" headings group options; each option still needs its own "# why" line.
            else if (line.StartsWith("# ", StringComparison.Ordinal) || line == "#") why.Add(line);
            else if (line.Length == 0 || line.StartsWith("##", StringComparison.Ordinal)) why = [];
            else throw new FormatException($"{path}:{number}: neither an option nor a comment: {line}");
        }
        return options;
    }

    /// <summary>A kernel .config as name -> value, "n" for options reported as not set.</summary>
    private static Dictionary<string, string> ReadConfig(string path)
    {
        var values = new Dictionary<string, string>();
        foreach (string line in File.ReadLines(path))
        {
            if (SetLine().Match(line) is { Success: true } set) values[set.Groups[1].Value] = set.Groups[2].Value;
            else if (UnsetLine().Match(line) is { Success: true } unset) values[unset.Groups[1].Value] = "n";
        }
        return values;
    }

    [Theory]
    [InlineData("fobnail.config")]
    [InlineData("secure-launch.config")]
    [InlineData("boot-fs-more.config")]
    public void Every_option_says_why_and_appears_once(string name)
    {
        var options = ReadFragment(Fragment(name));
        Assert.NotEmpty(options);
        var silent = options.Where(o => o.Why.Count == 0).ToList();
        Assert.True(silent.Count == 0, $"options of {name} without a comment line directly above: {string.Join(", ", silent)}");
        var twice = options.GroupBy(o => o.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, $"options of {name} set more than once: {string.Join(", ", twice)}");
    }

    [Fact]
    public void Debian_test_kernel_provides_every_option_the_product_needs()
    {
        // Btrfs and XFS are optional in the minimal kernel (boot-fs-more.config); /init's boot step reads them on the
        // Debian kernel, whose initramfs carries their modules.
        List<Option> options = [.. ReadFragment(Fragment("fobnail.config")), .. ReadFragment(Fragment("boot-fs-more.config"))];
        var debian = ReadConfig(Repo.DebianKernelConfig);
        var needed = options.Where(o => !o.MinimalKernelOnly).ToList();

        // The Debian kernel is modular: an option the minimal kernel builds in may be a module there (/init loads
        // it from the initramfs, or the target system does). Anything else must match.
        var missing = needed
            .Where(o => !Satisfies(debian.GetValueOrDefault(o.Name), o.Value))
            .Select(o => $"{o} (Debian kernel: {debian.GetValueOrDefault(o.Name) ?? "absent"})")
            .ToList();
        Assert.True(missing.Count == 0, "the Debian test kernel lacks: " + string.Join(", ", missing));

        var asModules = needed.Where(o => o.Value == "y" && debian.GetValueOrDefault(o.Name) == "m").Select(o => o.Name).ToList();
        output.WriteLine($"{needed.Count} options checked ({options.Count - needed.Count} minimal-kernel-only skipped); " +
                         $"modules in the Debian kernel, built in in ours: {string.Join(" ", asModules)}");
        // The difference this test exists to allow is real: the token's drivers are modules in the Debian kernel.
        Assert.Contains("CONFIG_USB_NET_CDC_EEM", asModules);

        static bool Satisfies(string? actual, string wanted) => wanted switch
        {
            "y" => actual is "y" or "m",
            "n" => actual is null or "n",
            _ => actual == wanted,
        };
    }

    /// <summary>Runs `./build.sh kernel-check CONFIG kernel-config/fobnail.config`: (exit code, stderr).</summary>
    private static (int Exit, string Errors) KernelCheck(IEnumerable<string> configLines)
    {
        string config = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(config, configLines);
            var psi = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = Repo.Root };
            foreach (string a in (string[])["build.sh", "kernel-check", config, Fragment("fobnail.config")]) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            string errors = p.StandardError.ReadToEnd();
            p.WaitForExit();
            _ = stdout.Result;
            return (p.ExitCode, errors);
        }
        finally { File.Delete(config); }
    }

    [Fact]
    public void Build_check_fails_naming_the_options_merge_config_dropped()
    {
        var options = ReadFragment(Fragment("fobnail.config"));
        string Line(Option o) => o.Value == "n" ? $"# {o.Name} is not set" : $"{o.Name}={o.Value}";

        // A .config with every option as asked passes ("not set" may also be absent: an invisible option is off).
        var (ok, okErrors) = KernelCheck(options.Where(o => o.Value != "n").Select(Line));
        Assert.True(ok == 0, okErrors);

        // As merge_config.sh leaves it when dependencies are missing: an option gone, one a module, one switched on.
        var broken = options.Select(o => o.Name switch
        {
            "CONFIG_USB_NET_CDC_EEM" => null,
            "CONFIG_TCG_CRB" => "CONFIG_TCG_CRB=m",
            "CONFIG_IPV6" => "CONFIG_IPV6=y",
            _ => Line(o),
        }).OfType<string>();
        var (exit, errors) = KernelCheck(broken);
        Assert.Equal(1, exit);
        Assert.Contains("CONFIG_USB_NET_CDC_EEM=y (.config: absent)", errors);
        Assert.Contains("CONFIG_TCG_CRB=y (.config: m)", errors);
        Assert.Contains("CONFIG_IPV6=n (.config: y)", errors);
        Assert.Equal(3, errors.Split('\n').Count(l => l.StartsWith("  CONFIG_", StringComparison.Ordinal)));
    }

    [Fact]
    public void Built_minimal_kernel_has_every_option_of_the_fragment()
    {
        if (Repo.LinuxBootKernelConfig is not { } path)
        {
            output.WriteLine("NOT RUN: build/linuxboot/obj/.config does not exist (./build.sh kernel builds it)");
            return;
        }
        var config = ReadConfig(path);
        var missing = ReadFragment(Fragment("fobnail.config"))
            .Where(o => o.Value == "n" ? config.GetValueOrDefault(o.Name, "n") != "n" : config.GetValueOrDefault(o.Name) != o.Value)
            .Select(o => $"{o} (.config: {config.GetValueOrDefault(o.Name) ?? "absent"})")
            .ToList();
        Assert.True(missing.Count == 0, $"{path} lacks: " + string.Join(", ", missing));
        // Everything built in: a minimal kernel without module support.
        Assert.DoesNotContain(config, kv => kv.Value == "m");
        output.WriteLine($"{path}: every option of kernel-config/fobnail.config present; {config.Count(kv => kv.Value == "y")} options built in, none modular");
    }
}
