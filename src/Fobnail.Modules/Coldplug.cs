using System.Diagnostics;
using System.IO.Enumeration;
using System.Text;

namespace Fobnail.Modules;

/// <summary>
/// Coldplug: load drivers for the devices the kernel found before anyone listened for uevents, by reading
/// every /sys/devices/**/modalias and loading what matches (what "udevadm trigger" + udev's kmod builtin do).
/// The walk never follows symlinks (sysfs is full of them, including cycles) and is bounded in depth,
/// directories and modalias files. Start the uevent listener first: devices that appear because coldplug
/// loaded their bus driver (USB devices behind xhci_pci) arrive as uevents, not in this walk.
/// </summary>
public static class Coldplug
{
    public const int MaxDepth = 48;
    public const int MaxDirectories = 200_000;
    public const int MaxModaliasFiles = 50_000;
    public const int MaxModaliasLength = 4096;

    public static async Task<ColdplugSummary> RunAsync(ModuleLoader loader, string sysfsRoot = "/sys", CancellationToken ct = default)
    {
        var log = loader.Logger;
        long start = Stopwatch.GetTimestamp();
        var (modaliases, devices, truncated) = Scan(sysfsRoot, ct);
        double walkMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (truncated)
            log.Warning("coldplug: walk limit reached, some of {Root} was not scanned", sysfsRoot);

        var loaded = new List<(string, string)>();
        var failed = new List<ModuleLoadResult>();
        int unmatched = 0;
        foreach (string modalias in modaliases)
        {
            IReadOnlyList<ModuleLoadResult> results = await loader.LoadForModaliasAsync(modalias, ct).ConfigureAwait(false);
            if (results.Count == 0)
                unmatched++;
            foreach (ModuleLoadResult result in results)
            {
                if (result.Status == ModuleLoadStatus.Loaded)
                {
                    loaded.Add((result.Module, modalias));
                    log.Information("coldplug: loaded {Module} ({Modalias})", result.Module, Shorten(modalias));
                }
                else if (result.Status is ModuleLoadStatus.Failed or ModuleLoadStatus.NotFound && !failed.Any(f => f.Module == result.Module))
                {
                    failed.Add(result);
                    log.Warning("coldplug: {Result} ({Modalias})", result.ToString(), Shorten(modalias));
                }
            }
        }
        log.Information("coldplug: {Devices} devices, {Modaliases} distinct modaliases, loaded {Loaded}, {Failed} failed, {Unmatched} without a driver module (sysfs walk {WalkMs:0} ms, total {TotalMs:0} ms)",
            devices, modaliases.Count, loaded.Count == 0 ? "nothing" : string.Join(", ", loaded.Select(l => l.Item1)),
            failed.Count, unmatched, walkMs, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        return new ColdplugSummary(devices, modaliases.Count, unmatched, loaded, failed, truncated);
    }

    /// <summary>
    /// Walks &lt;sysfsRoot&gt;/devices (iterative, depth-first, no symlinks, bounded) for modalias files.
    /// Read-only: safe on any host, which is what `modules coldplug --dry-run` uses.
    /// </summary>
    public static ColdplugScan Scan(string sysfsRoot = "/sys", CancellationToken ct = default)
    {
        var (modaliases, devices, truncated) = Walk(Path.Combine(sysfsRoot, "devices"), ct);
        return new ColdplugScan(modaliases, devices, truncated);
    }

    private static (List<string> Modaliases, int Devices, bool Truncated) Walk(string root, CancellationToken ct)
    {
        var modaliases = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int devices = 0, directories = 0, files = 0;
        bool truncated = false;
        var options = new EnumerationOptions
        {
            IgnoreInaccessible = true,
            RecurseSubdirectories = false,
            AttributesToSkip = FileAttributes.ReparsePoint, // symlinks: never followed, never read
            ReturnSpecialDirectories = false,
        };
        var stack = new Stack<(string Path, int Depth)>();
        stack.Push((root, 0));
        while (stack.Count > 0)
        {
            ct.ThrowIfCancellationRequested();
            var (dir, depth) = stack.Pop();
            if (++directories > MaxDirectories)
            {
                truncated = true;
                break;
            }
            List<(string Path, bool IsDirectory)> entries;
            try
            {
                entries = [.. Entries(dir, options)];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // a device vanished mid-walk
            }
            foreach (var (path, isDirectory) in entries)
            {
                if (isDirectory)
                {
                    if (depth + 1 <= MaxDepth)
                        stack.Push((path, depth + 1));
                    else
                        truncated = true;
                    continue;
                }
                if (++files > MaxModaliasFiles)
                {
                    truncated = true;
                    return (modaliases, devices, truncated);
                }
                string? value = ReadModalias(path);
                if (value is null)
                    continue;
                devices++;
                if (seen.Add(value))
                    modaliases.Add(value);
            }
        }
        return (modaliases, devices, truncated);
    }

    /// <summary>
    /// The subdirectories and "modalias" files of one directory, straight from readdir's d_type: a device
    /// directory holds dozens of attribute files, and building a FileSystemInfo for each (as
    /// DirectoryInfo.EnumerateFileSystemInfos does) made the walk several times slower.
    /// </summary>
    private static FileSystemEnumerable<(string, bool)> Entries(string dir, EnumerationOptions options) =>
        new(dir, (ref FileSystemEntry e) => (e.ToFullPath(), e.IsDirectory), options)
        {
            ShouldIncludePredicate = (ref FileSystemEntry e) => e.IsDirectory || e.FileName.SequenceEqual("modalias"),
        };

    private static string? ReadModalias(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            var buffer = new byte[MaxModaliasLength];
            int total = 0, n;
            while (total < buffer.Length && (n = stream.Read(buffer, total, buffer.Length - total)) > 0)
                total += n;
            string value = Encoding.Latin1.GetString(buffer, 0, total).Trim();
            return value.Length == 0 || value.Contains('\0') ? null : value;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Shorten(string modalias) => modalias.Length <= 60 ? modalias : modalias[..57] + "...";
}
