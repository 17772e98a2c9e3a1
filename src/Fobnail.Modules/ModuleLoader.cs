using System.Collections.Concurrent;
using Serilog;

namespace Fobnail.Modules;

/// <summary>
/// Loads modules like modprobe: looks the argument up in the <see cref="ModuleIndex"/>, plans dependencies
/// and softdeps, and inserts each module with finit_module(2) and its kernel-command-line parameters.
/// Every module is attempted at most once per loader (i.e. per boot): the first caller's attempt is shared
/// by everyone who needs that module, so uevent handlers and coldplug can call this concurrently.
/// </summary>
public sealed class ModuleLoader
{
    private readonly ModuleIndex _index;
    private readonly IModuleKernel _kernel;
    private readonly ModuleParameters _parameters;
    private readonly ConcurrentDictionary<string, Lazy<Task<ModuleLoadResult>>> _attempts = new(StringComparer.Ordinal);

    public ModuleLoader(ModuleIndex index, IModuleKernel kernel, ModuleParameters? parameters = null, ILogger? logger = null)
    {
        _index = index;
        _kernel = kernel;
        _parameters = parameters ?? ModuleParameters.None;
        Logger = logger ?? Serilog.Core.Logger.None;
    }

    /// <summary>The errno reported when a module's init has not returned within <see cref="InitTimeout"/>.</summary>
    public const int ETIMEDOUT = 110;

    public ModuleIndex Index => _index;

    /// <summary>
    /// How long a caller waits for one finit_module(2) to return. A module's init runs inside the syscall and
    /// cannot be interrupted; a driver that hangs there would otherwise stall coldplug (and with it the boot)
    /// forever. After the timeout the caller gets Failed(ETIMEDOUT) and moves on; the syscall keeps its thread,
    /// and its eventual outcome is what later callers see. The kernel's own firmware timeout is 60 s.
    /// </summary>
    public TimeSpan InitTimeout { get; init; } = TimeSpan.FromSeconds(90);

    internal ILogger Logger { get; }

    /// <summary>
    /// Loads every module whose alias matches <paramref name="modalias"/> (a uevent's MODALIAS or a sysfs
    /// modalias file), each with its dependencies. Returns one result per matching module, in modules.alias
    /// order; an empty list when nothing matches.
    /// </summary>
    public async Task<IReadOnlyList<ModuleLoadResult>> LoadForModaliasAsync(string modalias, CancellationToken ct = default)
    {
        ModuleLookup lookup = _index.Lookup(modalias);
        var results = new List<ModuleLoadResult>(lookup.Modules.Count);
        foreach (string module in lookup.Modules)
        {
            if (_parameters.Blacklist.Contains(module))
            {
                Logger.Information("modules: {Module} matches {Modalias} but is blacklisted (modprobe.blacklist)", module, modalias);
                results.Add(new ModuleLoadResult(module, ModuleLoadStatus.Blacklisted, 0, "modprobe.blacklist"));
                continue;
            }
            results.Add(await LoadModuleAsync(module, lookup.Kind == ModuleLookupKind.BuiltinAlias, ct).ConfigureAwait(false));
        }
        return results;
    }

    /// <summary>
    /// Loads one module by name ('-' and '_' are the same) with its dependencies. A name that is not a module
    /// is tried as an alias like modprobe does; if that matches several modules, all are loaded and the first
    /// failure (or else the first result) is returned.
    /// </summary>
    public async Task<ModuleLoadResult> LoadByNameAsync(string name, CancellationToken ct = default)
    {
        ModuleLookup lookup = _index.Lookup(name);
        if (lookup.Kind == ModuleLookupKind.None)
        {
            Logger.Warning("modules: {Name}: no such module or alias in {Directory}", name, _index.Directory);
            return new ModuleLoadResult(ModuleName.Normalize(name), ModuleLoadStatus.NotFound, 0, "no such module or alias");
        }
        ModuleLoadResult? first = null;
        foreach (string module in lookup.Modules)
        {
            ModuleLoadResult result = await LoadModuleAsync(module, lookup.Kind == ModuleLookupKind.BuiltinAlias, ct).ConfigureAwait(false);
            if (first is null || (first.Succeeded && !result.Succeeded))
                first = result;
        }
        return first!;
    }

    private async Task<ModuleLoadResult> LoadModuleAsync(string module, bool builtinAlias, CancellationToken ct)
    {
        if (builtinAlias)
            return new ModuleLoadResult(module, ModuleLoadStatus.AlreadyLoaded, 0, "built in");
        ModuleLoadPlan plan = _index.Plan([module]);
        foreach (string note in plan.Notes)
            Logger.Warning("modules: {Note}", note);
        if (plan.Steps.Count == 0)
            return new ModuleLoadResult(module, ModuleLoadStatus.NotFound, 0, $"not in {ModulesDepParser.FileName}");

        ModuleLoadResult? targetResult = null;
        foreach (PlannedModule step in plan.Steps)
        {
            ct.ThrowIfCancellationRequested();
            ModuleLoadResult result = await WaitForAttemptAsync(step, ct).ConfigureAwait(false);
            if (step.Name == module)
                targetResult = result;
            else if (!result.Succeeded && !step.Optional)
            {
                // A hard dependency is missing: inserting the module would only fail with "Unknown symbol".
                return new ModuleLoadResult(module, ModuleLoadStatus.Failed, result.Errno,
                    $"dependency {step.Name} failed: {result.Detail ?? result.Status.ToString()}");
            }
        }
        return targetResult!;
    }

    private async Task<ModuleLoadResult> WaitForAttemptAsync(PlannedModule step, CancellationToken ct)
    {
        try
        {
            return await AttemptOnceAsync(step).WaitAsync(InitTimeout, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            string detail = $"finit_module still running after {InitTimeout.TotalSeconds:0.###} s";
            Logger.Error("modules: {Module}: {Detail}; carrying on without it", step.Name, detail);
            return new ModuleLoadResult(step.Name, ModuleLoadStatus.Failed, ETIMEDOUT, detail);
        }
    }

    private Task<ModuleLoadResult> AttemptOnceAsync(PlannedModule step)
    {
        if (step.IsBuiltin)
            return Task.FromResult(new ModuleLoadResult(step.Name, ModuleLoadStatus.AlreadyLoaded, 0, "built in"));
        var attempt = _attempts.GetOrAdd(step.Name, _ => new Lazy<Task<ModuleLoadResult>>(
            () => Task.Run(() => Insert(step)), LazyThreadSafetyMode.ExecutionAndPublication));
        return attempt.Value;
    }

    private ModuleLoadResult Insert(PlannedModule step)
    {
        string path = step.Path!;
        try
        {
            if (_kernel.IsPresent(step.Name))
            {
                Logger.Debug("modules: {Module} already present in /sys/module", step.Name);
                return new ModuleLoadResult(step.Name, ModuleLoadStatus.AlreadyLoaded, 0, "present in /sys/module");
            }
            string parameters = _parameters.For(step.Name);
            FinitModuleFlags flags = ModuleName.IsCompressed(path) ? FinitModuleFlags.MODULE_INIT_COMPRESSED_FILE : FinitModuleFlags.None;
            int errno = _kernel.FinitModule(path, parameters, flags);
            switch (errno)
            {
                case 0:
                    Logger.Information("modules: loaded {Module}{Params}", step.Name, parameters.Length == 0 ? "" : " " + parameters);
                    return new ModuleLoadResult(step.Name, ModuleLoadStatus.Loaded);
                case Errno.EEXIST:
                    return new ModuleLoadResult(step.Name, ModuleLoadStatus.AlreadyLoaded, 0, "EEXIST from finit_module");
                default:
                    string detail = $"{Errno.Name(errno)} loading {path}";
                    Logger.Warning("modules: {Module}: finit_module failed: {Detail}", step.Name, detail);
                    return new ModuleLoadResult(step.Name, ModuleLoadStatus.Failed, errno, detail);
            }
        }
        catch (Exception e)
        {
            // Never let one module take PID 1 down; the failure is this module's outcome.
            Logger.Error(e, "modules: {Module}: unexpected error", step.Name);
            return new ModuleLoadResult(step.Name, ModuleLoadStatus.Failed, 0, e.Message);
        }
    }
}
