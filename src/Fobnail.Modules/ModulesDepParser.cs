namespace Fobnail.Modules;

/// <summary>
/// modules.dep: "kernel/drivers/net/usb/cdc_eem.ko: kernel/drivers/net/usb/usbnet.ko kernel/drivers/net/mii.ko ...".
/// A dependency without a line of its own (kmod accepts that) becomes an entry with no dependencies.
/// </summary>
public static class ModulesDepParser
{
    public const string FileName = "modules.dep";

    public static IReadOnlyDictionary<string, ModuleEntry> Parse(ReadOnlySpan<byte> content)
    {
        var modules = new Dictionary<string, ModuleEntry>(StringComparer.Ordinal);
        var dependencyPaths = new Dictionary<string, string>(StringComparer.Ordinal);
        ModuleFileReader.ForEachLine(content, FileName, (line, tokens) =>
        {
            int colon = tokens[0].IndexOf(':');
            if (colon < 0)
                throw new ModuleIndexException(FileName, line, $"expected \"<path>: <dependencies>\", got '{Shorten(tokens[0])}'");
            string path = CheckPath(tokens[0][..colon], line);
            string name = ModuleName.FromPath(path)!;
            var rest = new List<string>();
            if (colon + 1 < tokens[0].Length)
                rest.Add(tokens[0][(colon + 1)..]);
            rest.AddRange(tokens.Skip(1));
            if (rest.Count > ModuleIndexLimits.MaxDependencies)
                throw new ModuleIndexException(FileName, line, $"{name} has more than {ModuleIndexLimits.MaxDependencies} dependencies");
            var deps = new List<string>(rest.Count);
            foreach (string token in rest)
            {
                string depPath = CheckPath(token, line);
                string depName = ModuleName.FromPath(depPath)!;
                if (depName == name)
                    throw new ModuleIndexException(FileName, line, $"{name} depends on itself");
                if (!deps.Contains(depName))
                    deps.Add(depName);
                dependencyPaths.TryAdd(depName, depPath);
            }
            if (!modules.TryAdd(name, new ModuleEntry(name, path, deps)))
                throw new ModuleIndexException(FileName, line, $"module {name} listed twice");
        });
        foreach (var (name, path) in dependencyPaths)
            modules.TryAdd(name, new ModuleEntry(name, path, []));
        return modules;
    }

    /// <summary>A module path: a .ko[.xz|.zst|.gz] file, no "..", bounded length.</summary>
    internal static string CheckPath(string path, int line, string fileName = FileName)
    {
        if (path.Length == 0 || path.Length > ModuleIndexLimits.MaxNameLength)
            throw new ModuleIndexException(fileName, line, $"module path of length {path.Length}");
        if (path.Split('/').Contains(".."))
            throw new ModuleIndexException(fileName, line, $"module path '{Shorten(path)}' contains '..'");
        string? name = ModuleName.FromPath(path);
        if (name is null || name.Length == 0)
            throw new ModuleIndexException(fileName, line, $"'{Shorten(path)}' is not a .ko file");
        return path;
    }

    internal static string Shorten(string s) => s.Length <= 80 ? s : s[..77] + "...";
}
