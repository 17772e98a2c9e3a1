using System.Diagnostics;
using Xunit.Abstractions;

namespace Fobnail.Qemu.Tests;

/// <summary>
/// The real installed Debian 12 of images/debian/build-image.sh (mmdebstrap; Debian's kernel, initramfs-tools
/// initrd and update-grub's grub.cfg on one GPT ext4 root partition), built once and cached under build/debian.
/// Its systemd prints <see cref="MultiUserMarker"/> on ttyS0 when multi-user.target is reached.
/// </summary>
public static class InstalledDebian
{
    /// <summary>The root filesystem's UUID (fixed by the recipe: grub.cfg says root=UUID= this).</summary>
    public const string RootUuid = "6f1b3c2a-9d4e-4f5a-8b7c-1e2d3f4a5b6c";
    public const string MultiUserMarker = "FOBNAIL-DEBIAN-MULTI-USER";
    /// <summary>The marker line: the kernel's uptime in seconds and its command line.</summary>
    public const string MultiUserPattern = MultiUserMarker + @" uptime=([0-9.]+) cmdline=(.*)$";

    private static readonly object Lock = new();

    public static string Script => Path.Combine(Repo.Root, "images", "debian", "build-image.sh");
    public static string CachedImage => Path.Combine(Repo.Root, "build", "debian", "debian.img");
    public static string Tree => Path.Combine(Repo.Root, "build", "debian", "rootfs");

    /// <summary>
    /// The image at <paramref name="output"/> (default: the cached one), with <paramref name="overlays"/> copied
    /// over the tree. Builds what is out of date (the first build takes minutes). Returns false, and says
    /// "NOT RUN" with the reason on <paramref name="log"/>, when Debian's packages cannot be fetched (exit code 3 of
    /// the script); any other failure throws.
    /// </summary>
    public static bool TryBuild(ITestOutputHelper log, out string image, string? output = null, params string[] overlays)
    {
        image = output ?? CachedImage;
        var args = new List<string>();
        foreach (string o in overlays) { args.Add("--overlay"); args.Add(o); }
        args.Add(image);
        return RunScript(log, args, stdin: null);
    }

    /// <summary>
    /// The root-on-LUKS variant at <paramref name="output"/> (build-image.sh --luks-key -): an ext4 /boot and a LUKS2
    /// root encrypted with <paramref name="key"/>, which goes to the script's cryptsetup on a pipe and into no file.
    /// Debian's initramfs in it unlocks the root with the key file at <see cref="LuksKeyFile"/>. Returns false (NOT RUN)
    /// as <see cref="TryBuild"/> does.
    /// </summary>
    public static bool TryBuildLuks(ITestOutputHelper log, byte[] key, string output) => RunScript(log, ["--luks-key", "-", output], key);

    /// <summary>The variant's crypttab target, the ext4 inside its LUKS2 volume, and where its initramfs looks for the key.</summary>
    public const string LuksName = "root";
    public const string LuksRootUuid = "8a7b6c5d-4e3f-4201-9a8b-7c6d5e4f3a2b";
    public const string LuksKeyFile = "/cryptroot/keyfiles/root.key";

    private static bool RunScript(ITestOutputHelper log, IEnumerable<string> args, byte[]? stdin)
    {
        var psi = new ProcessStartInfo(Script) { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        lock (Lock)
        {
            using var p = Process.Start(psi)!;
            if (stdin is not null) p.StandardInput.BaseStream.Write(stdin);
            p.StandardInput.Close();
            var stdout = p.StandardOutput.ReadToEndAsync();
            string stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            _ = stdout.Result;
            if (p.ExitCode == 3)
            {
                log.WriteLine($"NOT RUN: the installed Debian image could not be built: {stderr.Trim()}");
                return false;
            }
            if (p.ExitCode != 0) throw new InvalidOperationException($"{Script} failed ({p.ExitCode}): {stderr}");
            log.WriteLine(stderr.Trim());
            return true;
        }
    }

    /// <summary>The kernel and initrd installed in the image's /boot (for booting it directly, without /init).</summary>
    public static (string Kernel, string Initrd) BootFiles()
    {
        string boot = Path.Combine(Tree, "boot");
        string kernel = Directory.GetFiles(boot, "vmlinuz-*").Single();
        string version = Path.GetFileName(kernel)["vmlinuz-".Length..];
        return (kernel, Path.Combine(boot, "initrd.img-" + version));
    }
}
