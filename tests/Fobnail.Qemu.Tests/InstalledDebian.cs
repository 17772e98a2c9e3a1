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
        var psi = new ProcessStartInfo(Script) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string o in overlays) { psi.ArgumentList.Add("--overlay"); psi.ArgumentList.Add(o); }
        psi.ArgumentList.Add(image);
        lock (Lock)
        {
            using var p = Process.Start(psi)!;
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
