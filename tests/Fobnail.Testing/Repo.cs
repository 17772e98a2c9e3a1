namespace Fobnail.Testing;

/// <summary>Paths of the build artifacts the QEMU tests boot (made by ./build.sh build).</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Initramfs => Require(Path.Combine(Root, "out", "initramfs.cpio.xz"));

    public static string InitBinary => Require(Path.Combine(Root, "out", "fobnail-init"));

    /// <summary>
    /// The kernel the guests boot: the Debian test kernel, or the file named by FOBNAIL_TEST_KERNEL
    /// (`./build.sh demo --kernel out/fobnail-linuxboot.bzImage` sets it).
    /// </summary>
    public static string Kernel
    {
        get
        {
            if (Environment.GetEnvironmentVariable("FOBNAIL_TEST_KERNEL") is { Length: > 0 } chosen)
                return Require(Path.GetFullPath(chosen));
            string boot = Path.Combine(Root, "build", "kernel", "boot");
            var found = Directory.Exists(boot) ? Directory.GetFiles(boot, "vmlinuz-*") : [];
            return found.Length == 1 ? found[0]
                : throw new InvalidOperationException($"no test kernel in {boot}: run ./build.sh setup");
        }
    }

    /// <summary>The Debian test kernel's .config (build/kernel/boot/config-*).</summary>
    public static string DebianKernelConfig
    {
        get
        {
            string boot = Path.Combine(Root, "build", "kernel", "boot");
            var found = Directory.Exists(boot) ? Directory.GetFiles(boot, "config-*") : [];
            return found.Length == 1 ? found[0]
                : throw new InvalidOperationException($"no test kernel config in {boot}: run ./build.sh setup");
        }
    }

    /// <summary>The minimal kernel with /init built in (`./build.sh kernel`), or null when it has not been built.</summary>
    public static string? LinuxBootKernel =>
        File.Exists(Path.Combine(Root, "out", "fobnail-linuxboot.bzImage")) ? Path.Combine(Root, "out", "fobnail-linuxboot.bzImage") : null;

    /// <summary>The .config `./build.sh kernel` built that kernel from, or null.</summary>
    public static string? LinuxBootKernelConfig =>
        File.Exists(Path.Combine(Root, "build", "linuxboot", "obj", ".config")) ? Path.Combine(Root, "build", "linuxboot", "obj", ".config") : null;

    private static string Require(string path) =>
        File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing: run ./build.sh build");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "fobnail-init.slnx"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (fobnail-init.slnx) above " + AppContext.BaseDirectory);
    }
}
