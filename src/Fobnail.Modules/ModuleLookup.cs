namespace Fobnail.Modules;

/// <summary>What a name or modalias resolved to: the matching module names, in modules.alias order.</summary>
public sealed record ModuleLookup(string Query, ModuleLookupKind Kind, IReadOnlyList<string> Modules);
