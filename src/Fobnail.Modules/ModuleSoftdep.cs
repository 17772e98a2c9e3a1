namespace Fobnail.Modules;

/// <summary>
/// "softdep &lt;module&gt; pre: a b post: c" from modules.softdep: modules (or aliases) to load before and
/// after the module. Names are kept as written; they are looked up like any modprobe argument.
/// </summary>
public sealed record ModuleSoftdep(IReadOnlyList<string> Pre, IReadOnlyList<string> Post);
