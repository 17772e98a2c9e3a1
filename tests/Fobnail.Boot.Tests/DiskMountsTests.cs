using Fobnail.Boot.Discovery;
using Fobnail.Boot.Filesystems;
using Fobnail.Linux;

namespace Fobnail.Boot.Tests;

/// <summary>
/// What the boot step says when the running kernel cannot mount a /boot it found: the real mount(2) of this machine's
/// kernel with a filesystem type no kernel registers (what a payload without Btrfs answers for a Btrfs /boot).
/// </summary>
public sealed class DiskMountsTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("fobnail-mounts-").FullName;

    public void Dispose() => Directory.Delete(_base, recursive: true);

    [Fact]
    public void A_filesystem_type_the_kernel_lacks_is_named_with_the_payload_fragment_that_adds_it()
    {
        using var mounts = new DiskMounts(_base);
        var probe = new ProbedFilesystem(new BlockDevice("vdz1", "/dev/null", "vdz", 1, 1 << 20, 512, false),
            new FilesystemInfo("nosuchfs", "0f0e0d0c-0b0a-0908-0706-050403020100", null), null, null);

        IOException e = Assert.Throws<IOException>(() => mounts.Mount(probe));

        Assert.Equal(Errno.ENODEV, e.HResult);
        Assert.StartsWith("mount /dev/null on ", e.Message);
        Assert.Contains("ENODEV", e.Message);
        Assert.Contains("this kernel has no nosuchfs driver, neither built in nor loaded as a module", e.Message);
        Assert.Contains("kernel-config/boot-fs-more.config", e.Message);
        Assert.Empty(mounts.Filesystems);
        Assert.False(Directory.Exists(Path.Combine(_base, "vdz1")));
    }
}
