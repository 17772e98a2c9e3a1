namespace Fobnail.Modules;

/// <summary>How a modprobe-style argument was found, in the order it is tried.</summary>
public enum ModuleLookupKind
{
    /// <summary>Nothing matched.</summary>
    None,
    /// <summary>A module name in modules.dep.</summary>
    Module,
    /// <summary>One or more patterns in modules.alias.</summary>
    Alias,
    /// <summary>A module name in modules.builtin.</summary>
    Builtin,
    /// <summary>An alias of a built-in module (modules.builtin.modinfo).</summary>
    BuiltinAlias,
}
