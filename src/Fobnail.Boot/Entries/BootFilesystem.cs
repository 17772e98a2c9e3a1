using Fobnail.Boot.Block;
using Fobnail.Boot.Files;
using Fobnail.Boot.Filesystems;

namespace Fobnail.Boot.Entries;

/// <summary>
/// One filesystem that boot entries may be on: its device name ("vda2", or the --root directory), where it is
/// mounted (or the directory standing for it), what its superblock says and, on GPT disks, its partition entry.
/// </summary>
public sealed record BootFilesystem(string Device, FilesystemRoot Root, FilesystemInfo? Info = null, GptPartition? Partition = null)
{
    public bool IsEsp => Partition?.IsEsp == true;

    public bool IsXbootldr => Partition?.IsXbootldr == true;
}

/// <summary>The filesystems found, with the lookups GRUB's search and the kernel's root=UUID=/PARTUUID= need.</summary>
public sealed class BootFilesystems(IReadOnlyList<BootFilesystem> all)
{
    public IReadOnlyList<BootFilesystem> All { get; } = all;

    public BootFilesystem? ByDevice(string device) => All.FirstOrDefault(f => f.Device == device);

    public BootFilesystem? ByUuid(string uuid) => All.FirstOrDefault(f => f.Info?.HasUuid(uuid) == true);

    public BootFilesystem? ByLabel(string label) => All.FirstOrDefault(f => f.Info?.Label == label);

    public BootFilesystem? ByPartUuid(string partUuid) =>
        All.FirstOrDefault(f => f.Partition is { } p && string.Equals(p.PartUuid.ToString(), partUuid, StringComparison.OrdinalIgnoreCase));

    /// <summary>search --file: the first filesystem (in device order) that has this file.</summary>
    public BootFilesystem? ByFile(string path) => All.FirstOrDefault(f => f.Root.FileExists(path));
}
