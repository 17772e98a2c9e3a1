using System.Diagnostics;

namespace Fobnail.Qemu.Tests;

/// <summary>
/// A small initrd for the kexec'd target, built by the tests: busybox (static) runs an /init script, with
/// out/fobnail-init and Debian programs copied in together with every shared library ldd names (and any extra
/// libraries a program dlopens). Compressed with xz like a distribution initrd, so the kexec step's appended
/// uncompressed cpio follows a compressed archive, as it does on a real system. Kernel modules named by their path
/// under the test kernel's lib/modules/VERSION/ are copied flat to /lib/modules/ for the script to insmod in order.
/// </summary>
internal static class TargetInitrd
{
    public static string Build(string name, string initScript, IReadOnlyList<string> programs, IReadOnlyList<string> extraLibraries, IReadOnlyList<string>? modules = null)
    {
        string work = Directory.CreateTempSubdirectory($"fobnail-target-{name}-").FullName;
        string root = Path.Combine(work, "root");
        string result = Path.Combine(Repo.Root, "out", $"target-{name}.cpio.xz");
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "bin"));
            File.Copy("/bin/busybox", Path.Combine(root, "bin", "busybox"));
            File.Copy(Repo.InitBinary, Path.Combine(root, "bin", "fobnail-init"));
            File.WriteAllText(Path.Combine(root, "init"), initScript);
            File.SetUnixFileMode(Path.Combine(root, "init"), (UnixFileMode)0b111_101_101);
            if (modules is { Count: > 0 })
            {
                string source = Directory.GetDirectories(Path.Combine(Repo.Root, "build", "kernel", "lib", "modules")).Single();
                Directory.CreateDirectory(Path.Combine(root, "lib", "modules"));
                foreach (string m in modules)
                    File.Copy(Path.Combine(source, m), Path.Combine(root, "lib", "modules", Path.GetFileName(m)));
            }
            string copies = string.Join('\n', programs.Select(p => $"copy_with_libs '{p}' bin"))
                + "\n" + string.Join('\n', extraLibraries.Select(l => $"copy_with_libs '{l}' lib"));
            Shell($$"""
                cd '{{root}}'
                mkdir -p lib lib64 proc sys dev tmp run
                copy_with_libs() {
                  cp -L "$1" "$2/"
                  ldd "$1" | awk '/=> \//{print $3} /^[ \t]*\/lib64/{print $1}' | while read -r lib; do
                    case "$lib" in */ld-linux*) cp -L "$lib" lib64/ ;; *) cp -nL "$lib" lib/ ;; esac
                  done
                }
                {{copies}}
                find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | xz --check=crc32 -T1 > '{{result}}'
                """);
            return result;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    public static void Shell(string script)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "-euo", "pipefail", "-c", script }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{script}: {stderr}");
    }
}
