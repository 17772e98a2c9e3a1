using Fobnail.Testing.Processes;

namespace Fobnail.Boot.Tests;

/// <summary>Disk and filesystem images made by the real tools (sfdisk, mkfs.*) on sparse files: no loop devices.</summary>
public static class Images
{
    public static string Sparse(string directory, string name, long bytes)
    {
        string path = Path.Combine(directory, name);
        using var f = File.Create(path);
        f.SetLength(bytes);
        return path;
    }

    /// <summary>blkid -p's view of a filesystem image: TYPE, UUID, LABEL.</summary>
    public static Dictionary<string, string> Blkid(string image) =>
        Command.Output("blkid", "-p", "-o", "export", image).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1]);
}
