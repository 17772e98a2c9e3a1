using System.Text;

namespace Fobnail.Boot.Files;

/// <summary>
/// A directory that stands for the root of one filesystem (a mount point, or a --root directory). Paths from boot
/// configs are resolved under it like a chroot would: every symbolic link is followed by hand, an absolute link
/// target starts again at this root, and ".." in a link target stops at the root. A ".." in the path a config
/// names is refused outright (no boot loader config needs it). Nothing outside the root is ever opened.
/// </summary>
public sealed class FilesystemRoot
{
    public FilesystemRoot(string directory, BootLimits? limits = null)
    {
        Directory = Path.GetFullPath(directory).TrimEnd('/');
        if (Directory.Length == 0) Directory = "/";
        Limits = limits ?? BootLimits.Default;
    }

    /// <summary>The host directory (absolute, no trailing slash unless it is "/").</summary>
    public string Directory { get; }

    public BootLimits Limits { get; }

    /// <summary>
    /// Normalizes a config path to "/a/b" form relative to this filesystem. Throws for "..", NUL or an empty path.
    /// </summary>
    public static string Normalize(string path)
    {
        if (path.Length == 0) throw new BootFormatException("empty path");
        if (path.Contains('\0')) throw new BootFormatException("path contains a NUL character");
        var parts = new List<string>();
        foreach (string part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..") throw new BootFormatException($"path {path} contains '..'");
            parts.Add(part);
        }
        return "/" + string.Join('/', parts);
    }

    /// <summary>
    /// The host path of <paramref name="path"/> (relative to this filesystem) with every symlink resolved under
    /// the root; null when a component does not exist. Throws on "..", a symlink loop or too many links.
    /// </summary>
    public string? Resolve(string path)
    {
        var pending = new Stack<string>(Enumerable.Reverse(Normalize(path).Split('/', StringSplitOptions.RemoveEmptyEntries)));
        var resolved = new List<string>();
        int links = 0;
        while (pending.Count > 0)
        {
            string part = pending.Pop();
            if (part == ".") continue;
            if (part == "..")
            {
                // Only reachable from a link target: stop at the root, as the kernel does at a chroot's root.
                if (resolved.Count > 0) resolved.RemoveAt(resolved.Count - 1);
                continue;
            }
            string candidate = Host(resolved, part);
            FileSystemInfo info = new FileInfo(candidate);
            if (!info.Exists && !System.IO.Directory.Exists(candidate) && info.LinkTarget is null) return null;
            if (info.LinkTarget is { } target)
            {
                if (++links > Limits.MaxSymlinks)
                    throw new BootFormatException($"more than {Limits.MaxSymlinks} symbolic links resolving {path}");
                if (target.StartsWith('/')) resolved.Clear();
                foreach (string t in Enumerable.Reverse(target.Split('/', StringSplitOptions.RemoveEmptyEntries))) pending.Push(t);
                continue;
            }
            resolved.Add(part);
        }
        return Host(resolved, null);
    }

    private string Host(List<string> parts, string? last)
    {
        var sb = new StringBuilder(Directory == "/" ? "" : Directory);
        foreach (string p in parts) sb.Append('/').Append(p);
        if (last is not null) sb.Append('/').Append(last);
        return sb.Length == 0 ? "/" : sb.ToString();
    }

    public bool FileExists(string path)
    {
        try { return Resolve(path) is { } p && File.Exists(p); }
        catch (BootFormatException) { return false; }
    }

    public bool DirectoryExists(string path)
    {
        try { return Resolve(path) is { } p && System.IO.Directory.Exists(p); }
        catch (BootFormatException) { return false; }
    }

    /// <summary>Reads a text config, at most <see cref="BootLimits.MaxConfigBytes"/>; null when it does not exist.</summary>
    public string? ReadText(string path)
    {
        string? host = Resolve(path);
        if (host is null || !File.Exists(host)) return null;
        return ReadBounded(host, path, Limits.MaxConfigBytes);
    }

    /// <summary>Reads a file bounded by <paramref name="maxBytes"/> (the size is checked on the open file, not trusted from stat).</summary>
    public static string ReadBounded(string hostPath, string shownPath, int maxBytes)
    {
        try
        {
            using var stream = new FileStream(hostPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
            // Read up to one byte past the limit: the size stat reports is not trusted (it may grow, or be 0 for
            // special files).
            var buffer = new MemoryStream();
            var chunk = new byte[16384];
            int n;
            while ((n = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, maxBytes + 1L - buffer.Length))) > 0)
            {
                buffer.Write(chunk, 0, n);
                if (buffer.Length > maxBytes)
                    throw new BootFormatException($"{shownPath} is larger than {maxBytes} bytes");
            }
            return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BootFormatException($"cannot read {shownPath}: {e.Message}", e);
        }
    }

    /// <summary>Names of the regular files in a directory of this filesystem (empty when it does not exist), at most <paramref name="max"/>.</summary>
    public IReadOnlyList<string> ListFiles(string directory, string pattern, int max)
    {
        string? host;
        try { host = Resolve(directory); }
        catch (BootFormatException) { return []; }
        if (host is null || !System.IO.Directory.Exists(host)) return [];
        var names = new List<string>();
        foreach (string f in System.IO.Directory.EnumerateFiles(host, pattern))
        {
            if (names.Count >= max) throw new BootFormatException($"{directory} has more than {max} entries");
            names.Add(Path.GetFileName(f));
        }
        names.Sort(StringComparer.Ordinal);
        return names;
    }
}
