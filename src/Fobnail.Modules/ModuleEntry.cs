namespace Fobnail.Modules;

/// <summary>
/// One line of modules.dep: a loadable module, its path relative to the modules directory, and the modules
/// it needs. depmod lists the full transitive closure, nearest dependency first, so loading the list in
/// reverse loads the deepest dependency first.
/// </summary>
public sealed record ModuleEntry(string Name, string Path, IReadOnlyList<string> Dependencies);
