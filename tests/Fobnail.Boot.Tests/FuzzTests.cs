using Fobnail.Boot.Bls;
using Fobnail.Boot.Entries;
using Fobnail.Boot.Grub;

namespace Fobnail.Boot.Tests;

/// <summary>
/// Mutated real configs: line-level mutations (delete, duplicate, swap, truncate) keep most of the syntax valid so
/// inputs get past the lexer into the evaluator, and character-level ones (quotes, braces, $) hit the error paths.
/// Only <see cref="BootFormatException"/> may come out, and a good share must still produce entries.
/// </summary>
public sealed class FuzzTests : IDisposable
{
    private readonly Tree _tree = new();

    public void Dispose() => _tree.Dispose();

    private static string Mutate(string text, Random random)
    {
        var lines = text.Split('\n').ToList();
        for (int k = random.Next(1, 4); k > 0; k--)
        {
            int i = random.Next(lines.Count);
            switch (random.Next(6))
            {
                case 0: lines.RemoveAt(i); break;
                case 1: lines.Insert(i, lines[random.Next(lines.Count)]); break;
                case 2: (lines[i], lines[^1]) = (lines[^1], lines[i]); break;
                case 3: lines[i] = lines[i][..random.Next(lines[i].Length + 1)]; break;
                default:
                    char c = "'\"{}$;\\[]#>()"[random.Next(13)];
                    lines[i] = lines[i].Insert(random.Next(lines[i].Length + 1), c.ToString());
                    break;
            }
            if (lines.Count == 0) lines.Add("");
        }
        return string.Join('\n', lines);
    }

    [Fact]
    public void Mutated_debian_grub_cfg_never_crashes_and_mostly_still_yields_kernels()
    {
        var root = _tree.Fs("vda2", "4f2c1a3e-5b6d-4e7f-8a9b-0c1d2e3f4a5b");
        string original = File.ReadAllText(Tree.Data("grub/debian12-grub.cfg"));
        Tree.DebianKernels(root, "/boot");
        var random = new Random(11);
        int withKernel = 0, refused = 0, runs = 1500;
        for (int run = 0; run < runs; run++)
        {
            Tree.Write(root, "/boot/grub/grub.cfg", Mutate(original, random));
            try
            {
                var result = GrubConfig.Read(_tree.All, root, "/boot/grub/grub.cfg");
                if (result.Entries.Any(e => e.Kernel is not null)) withKernel++;
            }
            catch (BootFormatException) { refused++; }
        }
        Assert.True(withKernel > runs / 3, $"{withKernel} of {runs} mutated configs reached an entry with a kernel ({refused} refused)");
        Assert.True(refused > 0, "no mutation was refused: the mutator does not reach the error paths");
    }

    [Fact]
    public void Mutated_bls_entries_and_grubenv_never_crash()
    {
        string entry = File.ReadAllText(Tree.Data("rhel8/1e2d3c4b5a6978879695a4b3c2d1e0f9-4.18.0-513.5.1.el8_9.x86_64.conf"));
        string env = File.ReadAllText(Tree.Data("rhel8/grubenv"));
        var random = new Random(5);
        int withLinux = 0, envRead = 0;
        for (int run = 0; run < 2000; run++)
        {
            if (BlsEntryParser.Parse("x", Mutate(entry, random)).Linux is not null) withLinux++;
            try { if (GrubEnv.Parse(Mutate(env, random)).ContainsKey("kernelopts")) envRead++; }
            catch (BootFormatException) { }
        }
        Assert.True(withLinux > 1000, $"{withLinux}");
        Assert.True(envRead > 1000, $"{envRead}");
    }

    [Fact]
    public void Random_bytes_as_grub_cfg_are_refused_or_read_never_thrown_otherwise()
    {
        var fs = _tree.Fs("vdb1", "1111-2222", "vfat");
        var random = new Random(3);
        for (int run = 0; run < 500; run++)
        {
            var bytes = new byte[random.Next(1, 4096)];
            random.NextBytes(bytes);
            // Bias towards script characters so the parser sees structure.
            for (int i = 0; i < bytes.Length; i++) if (bytes[i] > 160) bytes[i] = (byte)"menuentry { }\nif then fi linux initrd $a \"'\\;"[bytes[i] % 45];
            File.WriteAllBytes(fs.Root.Directory + "/grub.cfg", bytes);
            try { _ = BootEntryScanner.Run(_tree.All); GrubConfig.Read(_tree.All, fs, "/grub.cfg"); }
            catch (BootFormatException) { }
        }
    }
}
