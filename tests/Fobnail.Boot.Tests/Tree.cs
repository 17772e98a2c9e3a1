using Fobnail.Boot.Block;
using Fobnail.Boot.Entries;
using Fobnail.Boot.Files;
using Fobnail.Boot.Filesystems;

namespace Fobnail.Boot.Tests;

/// <summary>Temporary directories standing for mounted filesystems, deleted at Dispose.</summary>
public sealed class Tree : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("fobnail-boot-").FullName;
    private readonly List<BootFilesystem> _filesystems = [];

    public static string Data(string relative) => Path.Combine(AppContext.BaseDirectory, "TestData", relative);

    /// <summary>A new filesystem (an empty directory) named <paramref name="device"/>.</summary>
    public BootFilesystem Fs(string device, string? uuid = null, string type = "ext4", Guid? partitionType = null, BootLimits? limits = null)
    {
        string dir = Path.Combine(_base, device);
        Directory.CreateDirectory(dir);
        GptPartition? part = partitionType is { } t ? new GptPartition(1, t, Guid.NewGuid(), 2048, 4096, 0, "") : null;
        var fs = new BootFilesystem(device, new FilesystemRoot(dir, limits), new FilesystemInfo(type, uuid, null), part);
        _filesystems.Add(fs);
        return fs;
    }

    public BootFilesystems All => new(_filesystems);

    public static void Write(BootFilesystem fs, string path, string content = "x")
    {
        string host = fs.Root.Directory + path;
        Directory.CreateDirectory(Path.GetDirectoryName(host)!);
        File.WriteAllText(host, content);
    }

    /// <summary>The two kernel versions the generated Debian grub.cfg files name, as vmlinuz-/initrd.img- files in <paramref name="dir"/>.</summary>
    public static void DebianKernels(BootFilesystem fs, string dir)
    {
        foreach (string v in new[] { "6.1.0-18-amd64", "6.1.0-21-amd64" })
        {
            Write(fs, $"{dir}/vmlinuz-{v}");
            Write(fs, $"{dir}/initrd.img-{v}");
        }
    }

    public static void Copy(BootFilesystem fs, string path, string testData) => Write(fs, path, File.ReadAllText(Data(testData)));

    public void Dispose() => Directory.Delete(_base, recursive: true);
}
