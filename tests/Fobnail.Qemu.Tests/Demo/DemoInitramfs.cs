using System.Diagnostics;

namespace Fobnail.Qemu.Tests.Demo;

/// <summary>
/// The demo guest's initramfs: out/initramfs.cpio.xz as built, followed by an uncompressed newc archive with the
/// kexec target (/boot/vmlinuz = the test kernel, /boot/initrd = out/initramfs.cpio.xz) and the EK certificate's
/// issuer (/etc/fobnail/ek-chain/). The kernel unpacks concatenated archives in order, so nothing is recompressed.
/// <c>targetInitrd</c> replaces out/initramfs.cpio.xz as /boot/initrd (e.g. a busybox target that opens a LUKS volume).
/// </summary>
public static class DemoInitramfs
{
    public const string EkChainDir = "/etc/fobnail/ek-chain";

    public static string Build(string name, string ekIssuerPem, string? targetInitrd = null)
    {
        string stage = Directory.CreateTempSubdirectory("fobnail-demo-initramfs-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(stage, "boot"));
            File.Copy(Repo.Kernel, Path.Combine(stage, "boot", "vmlinuz"));
            File.Copy(targetInitrd ?? Repo.Initramfs, Path.Combine(stage, "boot", "initrd"));
            string chain = Path.Combine(stage, EkChainDir.TrimStart('/'));
            Directory.CreateDirectory(chain);
            File.Copy(ekIssuerPem, Path.Combine(chain, "issuer.pem"));

            string result = Path.Combine(Repo.Root, "out", "test-logs", name + ".initramfs");
            File.Copy(Repo.Initramfs, result, overwrite: true);
            var psi = new ProcessStartInfo("bash")
            {
                RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = stage,
            };
            foreach (string a in (string[])["-euo", "pipefail", "-c",
                         $"find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 >> '{result}'"])
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            string stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException("cpio failed: " + stderr);
            return result;
        }
        finally
        {
            Directory.Delete(stage, recursive: true);
        }
    }
}
