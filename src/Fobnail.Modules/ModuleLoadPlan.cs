namespace Fobnail.Modules;

/// <summary>
/// The modules to load, in order, so that <see cref="Targets"/> end up loaded: hard dependencies deepest
/// first, each module's softdep "pre:" modules before it and "post:" modules after it, each module once.
/// <see cref="Notes"/> lists what could not be resolved (a softdep naming no module, an alias pointing at a
/// module that modules.dep does not know).
/// </summary>
public sealed record ModuleLoadPlan(
    IReadOnlyList<string> Targets,
    IReadOnlyList<PlannedModule> Steps,
    IReadOnlyList<string> Notes);
