namespace Fobnail.Modules;

/// <summary>The only exception <see cref="ModuleParameters.FromKernelCommandLine"/> throws: input over its limits.</summary>
public sealed class KernelCommandLineException : Exception
{
    public KernelCommandLineException(string message) : base(message)
    {
    }
}
