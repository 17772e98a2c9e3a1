using Fobnail.Testing.Processes;
using Fobnail.Modules;

namespace Fobnail.Modules.Tests;

/// <summary>
/// kmod's own modprobe is the reference: on the complete Debian 6.1 module tree the build unpacks under
/// build/kernel, our load plan must equal `modprobe -C /dev/null -d build/kernel -S &lt;ver&gt; --show-depends`
/// (first occurrence of each module, since modprobe repeats shared dependencies) for a spread of module
/// names, every softdep user, aliases, and every modalias of this machine's /sys.
/// </summary>
public class ModprobeOracleTests
{
    [Fact]
    public void PlansEqualModprobeShowDependsOnTheDebianTree()
    {
        string dir = Fixture.DebianModulesDir()
            ?? throw new InvalidOperationException("build/kernel/lib/modules/*/modules.dep is missing: run the kernel unpack step of build.sh first");
        string version = Path.GetFileName(dir);
        string baseDir = Path.GetFullPath(Path.Combine(dir, "..", "..", ".."));
        ModuleIndex index = ModuleIndex.Load(dir);

        var queries = new List<string>();
        queries.AddRange(index.Modules.Keys.Order(StringComparer.Ordinal).Where((_, i) => i % 9 == 0));
        queries.AddRange(index.Softdeps.Keys);
        queries.AddRange(["fs-ext4", "crc32", "crypto-crc32c", "zpool-zbud", "platform:leds-gpio", "net-pf-10", "no-such-module",
            "usb:v1234p4321d0100dc02dsc00dp00ic02isc0Cip07in00",
            "pci:v00001B36d0000000Dsv00001AF4sd00001100bc0Csc03i30",
            "usb:v13FDp3940d0200dc00dsc00dp00ic08isc06ip50in00"]);
        queries.AddRange(Coldplug.Scan("/sys").Modaliases);

        var mismatches = new List<string>();
        int compared = 0;
        foreach (string query in queries.Distinct())
        {
            List<string> expected = Modprobe(baseDir, version, query);
            ModuleLoadPlan plan = index.Resolve(query);
            List<string> actual = plan.Steps.Select(s => s.IsBuiltin ? "builtin " + s.Name : s.Path!).ToList();
            compared++;
            if (!expected.SequenceEqual(actual) && mismatches.Count < 10)
                mismatches.Add($"{query}:\n  modprobe: {string.Join(' ', expected)}\n  ours:     {string.Join(' ', actual)}");
        }
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        Assert.True(compared > 500, $"only {compared} queries compared");
    }

    private static List<string> Modprobe(string baseDir, string version, string query)
    {
        // The exit code is not checked: an unknown alias is an empty answer here, compared with ours.
        string output = Command.Run("modprobe", ["-C", "/dev/null", "-d", baseDir, "-S", version, "--show-depends", "--", query]).Stdout;
        var seen = new HashSet<string>();
        var result = new List<string>();
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string item = line.StartsWith("insmod ") ? line["insmod ".Length..].Trim() : line.Trim();
            if (seen.Add(item))
                result.Add(item);
        }
        return result;
    }
}
