namespace Fobnail.Testing;

/// <summary>Paths of the build artifacts the QEMU tests boot (made by ./build.sh build).</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Initramfs => Require(Path.Combine(Root, "out", "initramfs.cpio.xz"));

    public static string InitBinary => Require(Path.Combine(Root, "out", "fobnail-init"));

    public static string Kernel
    {
        get
        {
            string boot = Path.Combine(Root, "build", "kernel", "boot");
            var found = Directory.Exists(boot) ? Directory.GetFiles(boot, "vmlinuz-*") : [];
            return found.Length == 1 ? found[0]
                : throw new InvalidOperationException($"no test kernel in {boot}: run ./build.sh setup");
        }
    }

    private static string Require(string path) =>
        File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing: run ./build.sh build");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "fobnail-init.slnx"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (fobnail-init.slnx) above " + AppContext.BaseDirectory);
    }
}
