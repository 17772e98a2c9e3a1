using System.Diagnostics;
using Serilog;

namespace Fobnail.Modules;

/// <summary>
/// The parsed module metadata of one kernel: /lib/modules/&lt;release&gt;/modules.dep (required),
/// modules.alias, modules.softdep, modules.builtin and modules.builtin.modinfo (each optional: a missing one
/// is logged and treated as empty). Immutable once built, so it can be shared between threads.
/// </summary>
public sealed class ModuleIndex
{
    private ModuleIndex(
        string directory,
        IReadOnlyDictionary<string, ModuleEntry> modules,
        AliasTable aliases,
        IReadOnlyDictionary<string, ModuleSoftdep> softdeps,
        IReadOnlySet<string> builtin,
        AliasTable builtinAliases)
    {
        Directory = directory;
        Modules = modules;
        Aliases = aliases;
        Softdeps = softdeps;
        Builtin = builtin;
        BuiltinAliases = builtinAliases;
    }

    /// <summary>The modules directory; relative module paths are resolved against it.</summary>
    public string Directory { get; }

    public IReadOnlyDictionary<string, ModuleEntry> Modules { get; }

    public AliasTable Aliases { get; }

    public IReadOnlyDictionary<string, ModuleSoftdep> Softdeps { get; }

    public IReadOnlySet<string> Builtin { get; }

    public AliasTable BuiltinAliases { get; }

    /// <summary>/lib/modules/$(uname -r).</summary>
    public static string DefaultDirectory() => Path.Combine("/lib/modules", LinuxModuleKernel.KernelRelease());

    /// <summary>
    /// Reads and parses the index files in <paramref name="directory"/>. Throws only
    /// <see cref="ModuleIndexException"/> (naming the file and line) for a missing modules.dep or any corrupt file.
    /// </summary>
    public static ModuleIndex Load(string directory, ILogger? logger = null)
    {
        logger ??= Serilog.Core.Logger.None;
        if (!System.IO.Directory.Exists(directory))
            throw new ModuleIndexException(directory, 0, "modules directory does not exist");
        directory = Path.GetFullPath(directory);
        long start = Stopwatch.GetTimestamp();
        byte[] dep = ReadRequired(directory, ModulesDepParser.FileName);
        byte[] alias = ReadOptional(directory, ModulesAliasParser.FileName, logger);
        byte[] softdep = ReadOptional(directory, ModulesSoftdepParser.FileName, logger);
        byte[] builtin = ReadOptional(directory, ModulesBuiltinParser.FileName, logger);
        byte[] modinfo = ReadOptional(directory, ModulesBuiltinModinfoParser.FileName, logger);
        ModuleIndex index = Parse(directory, dep, alias, softdep, builtin, modinfo);
        logger.Debug("modules: {Directory}: {Modules} modules, {Aliases} aliases, {Softdeps} softdeps, {Builtin} built in, read in {Ms:0} ms",
            directory, index.Modules.Count, index.Aliases.Aliases.Count, index.Softdeps.Count, index.Builtin.Count,
            Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        return index;
    }

    /// <summary>Parses index file contents already in memory (empty spans for absent files).</summary>
    public static ModuleIndex Parse(
        string directory,
        ReadOnlySpan<byte> modulesDep,
        ReadOnlySpan<byte> modulesAlias = default,
        ReadOnlySpan<byte> modulesSoftdep = default,
        ReadOnlySpan<byte> modulesBuiltin = default,
        ReadOnlySpan<byte> modulesBuiltinModinfo = default)
    {
        CheckSize(modulesDep, ModulesDepParser.FileName);
        CheckSize(modulesAlias, ModulesAliasParser.FileName);
        CheckSize(modulesSoftdep, ModulesSoftdepParser.FileName);
        CheckSize(modulesBuiltin, ModulesBuiltinParser.FileName);
        CheckSize(modulesBuiltinModinfo, ModulesBuiltinModinfoParser.FileName);
        return new ModuleIndex(
            directory,
            ModulesDepParser.Parse(modulesDep),
            new AliasTable(ModulesAliasParser.Parse(modulesAlias)),
            ModulesSoftdepParser.Parse(modulesSoftdep),
            ModulesBuiltinParser.Parse(modulesBuiltin),
            new AliasTable(ModulesBuiltinModinfoParser.Parse(modulesBuiltinModinfo)));
    }

    /// <summary>
    /// Finds what modprobe would for <paramref name="query"/>: a module name (either '-' or '_') in modules.dep,
    /// then every modules.alias pattern that matches, then a name in modules.builtin, then built-in aliases.
    /// The order is kmod's: "crc32" is both a built-in module and an alias of crc32_pclmul and crc32_generic,
    /// and modprobe loads the two modules.
    /// </summary>
    public ModuleLookup Lookup(string query)
    {
        string name = ModuleName.Normalize(query);
        if (Modules.ContainsKey(name))
            return new ModuleLookup(query, ModuleLookupKind.Module, [name]);
        string alias = ModuleName.NormalizeAlias(query);
        IReadOnlyList<string> matches = Aliases.Match(alias);
        if (matches.Count > 0)
            return new ModuleLookup(query, ModuleLookupKind.Alias, matches);
        if (Builtin.Contains(name))
            return new ModuleLookup(query, ModuleLookupKind.Builtin, [name]);
        matches = BuiltinAliases.Match(alias);
        if (matches.Count > 0)
            return new ModuleLookup(query, ModuleLookupKind.BuiltinAlias, matches);
        return new ModuleLookup(query, ModuleLookupKind.None, []);
    }

    /// <summary>The load order for <paramref name="modules"/> (normalized names), each module once.</summary>
    public ModuleLoadPlan Plan(IEnumerable<string> modules)
    {
        var builder = new LoadPlanBuilder(this);
        foreach (string module in modules)
            builder.AddTarget(ModuleName.Normalize(module));
        return builder.Build();
    }

    /// <summary>Lookup then plan: what `modules resolve` prints.</summary>
    public ModuleLoadPlan Resolve(string query) => Plan(Lookup(query).Modules);

    public string FullPath(ModuleEntry entry) => Path.Combine(Directory, entry.Path);

    private static void CheckSize(ReadOnlySpan<byte> content, string fileName)
    {
        if (content.Length > ModuleIndexLimits.MaxFileBytes)
            throw new ModuleIndexException(fileName, 0, $"larger than {ModuleIndexLimits.MaxFileBytes} bytes");
    }

    private static byte[] ReadRequired(string directory, string fileName)
    {
        string path = Path.Combine(directory, fileName);
        if (!File.Exists(path))
            throw new ModuleIndexException(fileName, 0, $"{path} does not exist (was depmod run?)");
        return ModuleFileReader.ReadFile(path, fileName);
    }

    private static byte[] ReadOptional(string directory, string fileName, ILogger logger)
    {
        string path = Path.Combine(directory, fileName);
        if (!File.Exists(path))
        {
            logger.Warning("modules: {Path} does not exist, treating it as empty", path);
            return [];
        }
        return ModuleFileReader.ReadFile(path, fileName);
    }
}
