namespace Fobnail.Modules;

/// <summary>
/// One step of a load plan. <see cref="Path"/> is the full path of the .ko file, or null for a built-in
/// module (nothing to load). <see cref="Optional"/> is true when the module is only wanted through a
/// softdep: its failure is logged but does not stop the module that asked for it.
/// </summary>
public sealed record PlannedModule(string Name, string? Path, bool Optional)
{
    public bool IsBuiltin => Path is null;
}
