using System.Diagnostics;
using System.Text;
using Fobnail.Modules;

namespace Fobnail.Modules.Tests;

/// <summary>
/// Every parser of the modules.* files and of the kernel command line, fed mutated real files and random
/// bytes (fixed seeds, fixed case counts): it may reject the input only with its own exception, must never
/// hang, and whatever it accepts must be safe to look up and plan against.
/// </summary>
public class MutationTests
{
    private const int CasesPerFile = 4000;
    private static readonly byte[] Interesting = Encoding.ASCII.GetBytes(":\n\0 \t[]*?!^-\\#.=/_\"");

    public static TheoryData<string> Files => new()
    {
        "modules.dep", "modules.alias", "modules.softdep", "modules.builtin", "modules.builtin.modinfo",
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void MutatedFilesOnlyThrowModuleIndexException(string file)
    {
        byte[] original = Fixture.Bytes(file);
        var random = new Random(file.Length * 7919 + 17);
        var watch = Stopwatch.StartNew();
        int accepted = 0, rejected = 0;
        for (int i = 0; i < CasesPerFile; i++)
        {
            byte[] input = i % 10 == 9 ? RandomBytes(random) : Mutate(random, original);
            try
            {
                ParserTests.ParseOne(file, input);
                accepted++;
            }
            catch (ModuleIndexException e)
            {
                Assert.StartsWith(file + ":", e.Message);
                rejected++;
            }
        }
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"{CasesPerFile} cases took {watch.Elapsed}");
        // Both outcomes must occur, or the mutator is not exercising the parser.
        Assert.True(accepted > 100 && rejected > 100, $"accepted {accepted}, rejected {rejected}");
    }

    /// <summary>Mutated whole indexes that parse must resolve anything without throwing or hanging.</summary>
    [Fact]
    public void MutatedIndexesResolveWithoutThrowing()
    {
        string[] files = ["modules.dep", "modules.alias", "modules.softdep", "modules.builtin", "modules.builtin.modinfo"];
        byte[][] originals = files.Select(Fixture.Bytes).ToArray();
        var random = new Random(4242);
        int resolved = 0;
        for (int i = 0; i < 1500; i++)
        {
            byte[][] inputs = originals.Select(o => random.Next(3) == 0 ? Mutate(random, o) : o).ToArray();
            ModuleIndex index;
            try
            {
                index = ModuleIndex.Parse("/m", inputs[0], inputs[1], inputs[2], inputs[3], inputs[4]);
            }
            catch (ModuleIndexException)
            {
                continue;
            }
            foreach (string query in new[] { "usb:v1234p4321d0100dc02dsc00dp00ic02isc0Cip07in00", "fs-ext4", "ksmbd", "crc32" })
                index.Resolve(query);
            index.Plan(index.Modules.Keys);
            resolved++;
        }
        Assert.True(resolved > 300, $"only {resolved} mutated indexes parsed");
    }

    /// <summary>Random indexes with dependency and softdep cycles: planning terminates, each module at most once.</summary>
    [Fact]
    public void RandomIndexesWithCyclesPlanEachModuleOnce()
    {
        var random = new Random(99);
        for (int i = 0; i < 2000; i++)
        {
            int n = random.Next(1, 12);
            var dep = new StringBuilder();
            var softdep = new StringBuilder();
            for (int m = 0; m < n; m++)
            {
                var deps = Enumerable.Range(0, random.Next(0, 4)).Select(_ => random.Next(n)).Where(d => d != m).Distinct();
                dep.Append($"k/m{m}.ko:").AppendJoin("", deps.Select(d => $" k/m{d}.ko")).Append('\n');
                if (random.Next(2) == 0)
                    softdep.Append($"softdep m{m} pre: m{random.Next(n)} a{random.Next(3)} post: m{random.Next(n)}\n");
            }
            string alias = "alias a0 m0\nalias a* m1\nalias a? m2\n";
            ModuleIndex index = ModuleIndex.Parse("/m", Encoding.ASCII.GetBytes(dep.ToString()),
                Encoding.ASCII.GetBytes(alias), Encoding.ASCII.GetBytes(softdep.ToString()));
            ModuleLoadPlan plan = index.Plan(index.Modules.Keys);
            Assert.Equal(plan.Steps.Count, plan.Steps.Select(s => s.Name).Distinct().Count());
            Assert.Equal(n, plan.Steps.Count);
            // Without softdeps the order must respect every hard dependency.
            ModuleLoadPlan hardOnly = ModuleIndex.Parse("/m", Encoding.ASCII.GetBytes(dep.ToString())).Plan(index.Modules.Keys);
            var position = hardOnly.Steps.Select((s, k) => (s.Name, k)).ToDictionary(x => x.Name, x => x.k);
            foreach (ModuleEntry entry in index.Modules.Values)
            {
                foreach (string d in entry.Dependencies)
                {
                    // depmod never writes a cycle; where the random index has none through d, d comes first.
                    if (!Reaches(index, d, entry.Name))
                        Assert.True(position[d] < position[entry.Name], $"{d} after {entry.Name}\n{dep}");
                }
            }
        }
    }

    /// <summary>A modalias comes from sysfs or a uevent: any string must look up without throwing, quickly.</summary>
    [Fact]
    public void RandomModaliasesLookUpWithoutThrowing()
    {
        ModuleIndex index = Fixture.Index();
        var random = new Random(31337);
        const string alphabet = "usbpcivd0123456789ABCDEF:*?[]!^-\\_,. \0\u00ff";
        string[] seeds = ["usb:v1234p4321d0100dc02dsc00dp00ic02isc0Cip07in00", "pci:v00001B36d0000000Dsv00001AF4sd00001100bc0Csc03i30"];
        var watch = Stopwatch.StartNew();
        int matched = 0;
        for (int i = 0; i < 20_000; i++)
        {
            string modalias = i % 2 == 0
                ? GlobTests.RandomString(random, alphabet, random.Next(0, 80))
                : Encoding.Latin1.GetString(Mutate(random, Encoding.Latin1.GetBytes(seeds[random.Next(seeds.Length)])));
            ModuleLoadPlan plan = index.Resolve(modalias);
            matched += plan.Targets.Count > 0 ? 1 : 0;
        }
        Assert.True(matched > 500, $"only {matched} lookups matched anything");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"took {watch.Elapsed}");
    }

    [Fact]
    public void KernelCommandLineOnlyThrowsItsOwnException()
    {
        var random = new Random(7);
        const string alphabet = "ab.=\" \t-_x1\n\\";
        for (int i = 0; i < 20_000; i++)
        {
            string line = GlobTests.RandomString(random, alphabet, random.Next(0, 60));
            ModuleParameters p = ModuleParameters.FromKernelCommandLine(line);
            foreach (string module in p.Modules)
                Assert.NotNull(p.For(module));
        }
        Assert.Throws<KernelCommandLineException>(() => ModuleParameters.FromKernelCommandLine(new string('a', ModuleParameters.MaxCommandLineLength + 1)));
        Assert.Throws<KernelCommandLineException>(() =>
            ModuleParameters.FromKernelCommandLine(string.Join(' ', Enumerable.Range(0, 5000).Select(i => $"m.p{i}=1"))));
    }

    private static bool Reaches(ModuleIndex index, string from, string to)
    {
        var seen = new HashSet<string>();
        var stack = new Stack<string>([from]);
        while (stack.Count > 0)
        {
            string m = stack.Pop();
            if (m == to)
                return true;
            if (seen.Add(m))
                foreach (string d in index.Modules[m].Dependencies)
                    stack.Push(d);
        }
        return false;
    }

    internal static byte[] Mutate(Random random, byte[] original)
    {
        var bytes = new List<byte>(original);
        int edits = random.Next(1, 8);
        for (int e = 0; e < edits && bytes.Count > 0; e++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0: bytes[at] = (byte)random.Next(256); break;
                case 1: bytes[at] = Interesting[random.Next(Interesting.Length)]; break;
                case 2: bytes.Insert(at, Interesting[random.Next(Interesting.Length)]); break;
                case 3: bytes.RemoveRange(at, Math.Min(bytes.Count - at, random.Next(1, 40))); break;
                case 4:
                    int len = Math.Min(bytes.Count - at, random.Next(1, 200));
                    bytes.InsertRange(random.Next(bytes.Count), bytes.GetRange(at, len));
                    break;
                default: bytes.RemoveRange(at, bytes.Count - at); break;
            }
        }
        return [.. bytes];
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 2000)];
        for (int i = 0; i < bytes.Length; i++)
            bytes[i] = random.Next(4) == 0 ? Interesting[random.Next(Interesting.Length)] : (byte)random.Next(32, 127);
        return bytes;
    }
}
