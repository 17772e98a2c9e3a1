namespace Fobnail.Modules;

/// <summary>
/// The kernel side of module loading, behind an interface so the loader's ordering and once-only logic can be
/// tested without root or a real kernel. <see cref="LinuxModuleKernel"/> is the real one.
/// </summary>
public interface IModuleKernel
{
    /// <summary>True if /sys/module/&lt;name&gt; exists: the module is loaded, loading, or built in.</summary>
    bool IsPresent(string moduleName);

    /// <summary>Opens <paramref name="path"/> and calls finit_module(2). Returns 0 on success, else the errno.</summary>
    int FinitModule(string path, string parameterValues, FinitModuleFlags flags);
}
