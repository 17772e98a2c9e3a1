namespace Fobnail.Modules;

/// <summary>
/// Hard limits for the modules.* files. Debian 6.1's largest is modules.alias at 1.3 MB / 26k lines and its
/// longest modules.dep line is about 1 KB; the limits leave an order of magnitude of headroom and no more.
/// </summary>
public static class ModuleIndexLimits
{
    public const int MaxFileBytes = 16 * 1024 * 1024;
    public const int MaxLineLength = 16 * 1024;
    public const int MaxLines = 500_000;
    public const int MaxDependencies = 1024;
    public const int MaxSoftdeps = 256;
    public const int MaxNameLength = 1024;

    /// <summary>How deep dependencies of dependencies are followed (Debian 6.1's deepest chain is about 10).</summary>
    public const int MaxDependencyChain = 128;

    /// <summary>How deep softdeps may chain (pre: a → a's pre: b → ...) before resolution stops following them.</summary>
    public const int MaxSoftdepDepth = 16;
}
