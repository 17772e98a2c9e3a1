namespace Fobnail.Modules;

/// <summary>
/// Builds a <see cref="ModuleLoadPlan"/> the way libkmod's kmod_module_get_probe_list does: for a module,
/// first each hard dependency (modules.dep, reversed so the deepest comes first) with its softdeps, then the
/// module's own "pre:" softdeps, the module, its "post:" softdeps. Softdeps are looked up like any modprobe
/// argument (name, then alias) and probed recursively, bounded by <see cref="ModuleIndexLimits.MaxSoftdepDepth"/>;
/// a visited set breaks softdep cycles.
/// </summary>
internal sealed class LoadPlanBuilder
{
    private readonly ModuleIndex _index;
    private readonly HashSet<string> _probed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _depsExpanded = new(StringComparer.Ordinal);
    private readonly HashSet<string> _inProgress = new(StringComparer.Ordinal);
    private readonly List<PlannedModule> _steps = [];
    private readonly Dictionary<string, int> _stepOf = new(StringComparer.Ordinal);
    private readonly List<string> _notes = [];
    private readonly List<string> _targets = [];

    public LoadPlanBuilder(ModuleIndex index) => _index = index;

    public void AddTarget(string module)
    {
        if (!_index.Modules.ContainsKey(module) && !_index.Builtin.Contains(module))
        {
            _notes.Add($"{module}: not in {ModulesDepParser.FileName}");
            return;
        }
        _targets.Add(module);
        Probe(module, optional: false, depth: 0);
    }

    public ModuleLoadPlan Build() => new([.. _targets], [.. _steps], [.. _notes]);

    private void Probe(string module, bool optional, int depth)
    {
        if (!_probed.Add(module))
        {
            if (!optional)
                MarkRequired(module);
            return;
        }
        AddDependencies(module, optional, depth, chain: 0);
        FillSoftdeps(module, optional, depth);
    }

    /// <summary>
    /// Appends <paramref name="module"/>'s hard dependencies, deepest first. modules.dep lists the transitive
    /// closure in an order whose reverse is already a valid load order, so for depmod's output the recursion
    /// adds nothing; it is there so a hand-written or partial modules.dep still loads dependencies first.
    /// </summary>
    private void AddDependencies(string module, bool optional, int depth, int chain)
    {
        if (!_index.Modules.TryGetValue(module, out ModuleEntry? entry))
            return;
        if (chain >= ModuleIndexLimits.MaxDependencyChain)
        {
            _notes.Add($"{module}: dependency chain longer than {ModuleIndexLimits.MaxDependencyChain}");
            return;
        }
        _inProgress.Add(module);
        _depsExpanded.Add(module);
        for (int i = entry.Dependencies.Count - 1; i >= 0; i--)
        {
            string dep = entry.Dependencies[i];
            if (!_depsExpanded.Contains(dep))
                AddDependencies(dep, optional, depth, chain + 1);
            // A module still in progress is on a dependency cycle (depmod never writes one): it is appended
            // when its own dependencies are done, not here ahead of them.
            if (!_inProgress.Contains(dep))
                FillSoftdeps(dep, optional, depth);
        }
        _inProgress.Remove(module);
    }

    private void FillSoftdeps(string module, bool optional, int depth)
    {
        _index.Softdeps.TryGetValue(module, out ModuleSoftdep? softdep);
        if (softdep is not null)
            ProbeSoftdeps(module, "pre", softdep.Pre, depth);
        Append(module, optional);
        if (softdep is not null)
            ProbeSoftdeps(module, "post", softdep.Post, depth);
    }

    private void ProbeSoftdeps(string module, string kind, IReadOnlyList<string> names, int depth)
    {
        if (names.Count == 0)
            return;
        if (depth >= ModuleIndexLimits.MaxSoftdepDepth)
        {
            _notes.Add($"{module}: softdeps nested deeper than {ModuleIndexLimits.MaxSoftdepDepth}, {kind}: ignored");
            return;
        }
        foreach (string name in names)
        {
            ModuleLookup lookup = _index.Lookup(name);
            if (lookup.Kind == ModuleLookupKind.None)
                _notes.Add($"{module}: softdep {kind}: {name} matches no module");
            foreach (string found in lookup.Modules)
            {
                if (_index.Modules.ContainsKey(found) || _index.Builtin.Contains(found))
                    Probe(found, optional: true, depth + 1);
                else
                    _notes.Add($"{module}: softdep {kind}: {name} → {found}: not in {ModulesDepParser.FileName}");
            }
        }
    }

    private void Append(string module, bool optional)
    {
        if (_stepOf.ContainsKey(module))
        {
            if (!optional)
                MarkRequired(module);
            return;
        }
        string? path = _index.Modules.TryGetValue(module, out ModuleEntry? entry) ? _index.FullPath(entry) : null;
        _stepOf[module] = _steps.Count;
        _steps.Add(new PlannedModule(module, path, optional));
    }

    private void MarkRequired(string module)
    {
        if (_stepOf.TryGetValue(module, out int i) && _steps[i].Optional)
            _steps[i] = _steps[i] with { Optional = false };
    }
}
