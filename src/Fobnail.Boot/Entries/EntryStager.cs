namespace Fobnail.Boot.Entries;

/// <summary>
/// Copies a chosen entry's kernel and initrds out of the mounted filesystems into a directory on tmpfs, the initrds
/// concatenated into one file in the entry's order (what GRUB's initrd command does with several files: the
/// kernel unpacks each cpio in turn). Then the disks can be unmounted before kexec, and what is measured and
/// loaded is this private copy, opened once. Sizes are bounded while copying, not trusted from stat.
/// </summary>
public static class EntryStager
{
    public sealed record Staged(string Kernel, string? Initrd, long KernelBytes, long InitrdBytes);

    public static Staged Stage(BootEntry entry, BootFilesystems filesystems, string directory, long maxKernelBytes, long maxInitrdBytes)
    {
        if (entry.Kernel is null) throw new BootFormatException($"{entry.Id} has no kernel");
        Directory.CreateDirectory(directory);
        string kernel = Path.Combine(directory, "kernel");
        long kernelBytes = Copy([entry.Kernel], filesystems, kernel, maxKernelBytes, "kernel");
        if (entry.Initrd.Count == 0) return new Staged(kernel, null, kernelBytes, 0);
        string initrd = Path.Combine(directory, "initrd");
        long initrdBytes = Copy(entry.Initrd, filesystems, initrd, maxInitrdBytes, "initrd");
        return new Staged(kernel, initrd, kernelBytes, initrdBytes);
    }

    private static long Copy(IReadOnlyList<BootFile> files, BootFilesystems filesystems, string target, long max, string what)
    {
        using var output = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None);
        var buffer = new byte[1 << 20];
        long total = 0;
        foreach (BootFile f in files)
        {
            BootFilesystem fs = filesystems.ByDevice(f.Device) ?? throw new BootFormatException($"{f}: unknown filesystem");
            string host = fs.Root.Resolve(f.Path) ?? throw new BootFormatException($"{f} does not exist");
            try
            {
                using var input = new FileStream(host, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
                int n;
                while ((n = input.Read(buffer, 0, buffer.Length)) > 0)
                {
                    total += n;
                    if (total > max) throw new BootFormatException($"the {what} ({string.Join(" + ", files)}) is larger than {max} bytes");
                    output.Write(buffer, 0, n);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new BootFormatException($"cannot read {f}: {e.Message}", e);
            }
        }
        return total;
    }
}
