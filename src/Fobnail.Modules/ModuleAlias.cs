namespace Fobnail.Modules;

/// <summary>
/// One "alias &lt;pattern&gt; &lt;module&gt;" line of modules.alias (or a builtin module's alias from
/// modules.builtin.modinfo). <see cref="Pattern"/> is normalized like kmod's alias_normalize.
/// </summary>
public sealed record ModuleAlias(string Pattern, string Module);
