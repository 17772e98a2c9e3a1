using System.Security.Cryptography;

namespace Fobnail.Qemu.Tests;

/// <summary>The initramfs is reproducible and holds /init, the listed modules and their dependencies.</summary>
public sealed class InitramfsTests
{
    private static (int Exit, string Output) Run(string file, string[] args, IReadOnlyDictionary<string, string?>? env = null)
    {
        var r = Command.Run(file, args, new CommandOptions { Environment = env, WorkingDirectory = Repo.Root, Timeout = TimeSpan.FromMinutes(10) });
        return (r.ExitCode, r.Stdout + r.Stderr);
    }

    private static string BuildInitramfs(string name, string epoch)
    {
        _ = Repo.InitBinary;
        string path = Path.Combine(Path.GetTempPath(), $"fobnail-{name}-{Guid.NewGuid():N}.cpio.xz");
        var (exit, output) = Run("bash", ["build.sh", "initramfs", path], new Dictionary<string, string?> { ["SOURCE_DATE_EPOCH"] = epoch });
        Assert.True(exit == 0, output);
        return path;
    }

    [Fact]
    public void Same_inputs_give_a_byte_identical_initramfs_and_the_epoch_is_an_input()
    {
        string a = BuildInitramfs("a", "1700000000"), b = BuildInitramfs("b", "1700000000"), c = BuildInitramfs("c", "1700000001");
        try
        {
            byte[] ha = SHA256.HashData(File.ReadAllBytes(a));
            Assert.Equal(ha, SHA256.HashData(File.ReadAllBytes(b)));
            Assert.NotEqual(ha, SHA256.HashData(File.ReadAllBytes(c)));
        }
        finally { File.Delete(a); File.Delete(b); File.Delete(c); }
    }

    [Fact]
    public void Holds_init_the_listed_modules_with_dependencies_and_their_index_files_owned_by_root()
    {
        string path = BuildInitramfs("list", "1700000000");
        try
        {
            var (exit, listing) = Run("bash", ["-c", $"xz -dc {path} | cpio -itv --quiet"]);
            Assert.True(exit == 0, listing);
            var lines = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Contains(lines, l => l.EndsWith(" init", StringComparison.Ordinal) && l.StartsWith("-rwxr-xr-x", StringComparison.Ordinal));
            foreach (var l in lines) Assert.Matches(@"^\S+\s+\d+\s+root\s+root\s", l);
            string names = string.Join('\n', lines);
            foreach (var module in new[] { "xhci-pci.ko", "xhci-hcd.ko", "ehci-pci.ko", "ehci-hcd.ko", "uhci-hcd.ko", "ohci-pci.ko",
                                           "ohci-hcd.ko", "usbcore.ko", "usb-common.ko", "usbnet.ko", "cdc_eem.ko", "cdc_ether.ko", "mii.ko",
                                           "af_alg.ko", "algif_hash.ko", "sha1-ssse3.ko", "sha256-ssse3.ko" })
                Assert.Contains("/" + module, names);
            foreach (var index in new[] { "modules.dep", "modules.alias", "modules.softdep", "modules.builtin" })
                Assert.Matches($@"lib/modules/[^/]+/{index.Replace(".", "\\.")}(\n|$)", names);
            Assert.DoesNotContain(".bin\n", names + "\n");
        }
        finally { File.Delete(path); }
    }
}
