using Fobnail.Modules;

namespace Fobnail.Modules.Tests;

/// <summary>
/// Records finit_module calls in order. <see cref="Errors"/> maps module names to the errno to return;
/// <see cref="Present"/> plays /sys/module; <see cref="Delay"/> widens race windows for concurrency tests.
/// </summary>
internal sealed class FakeKernel : IModuleKernel
{
    private readonly object _lock = new();
    private readonly List<(string Module, string Path, string Params, FinitModuleFlags Flags)> _calls = [];

    public Dictionary<string, int> Errors { get; } = [];

    public HashSet<string> Present { get; } = [];

    public TimeSpan Delay { get; init; }

    public bool Throw { get; init; }

    public IReadOnlyList<(string Module, string Path, string Params, FinitModuleFlags Flags)> Calls
    {
        get { lock (_lock) return [.. _calls]; }
    }

    public IReadOnlyList<string> Inserted => Calls.Select(c => c.Module).ToList();

    public bool IsPresent(string moduleName)
    {
        lock (_lock)
            return Present.Contains(moduleName);
    }

    public int FinitModule(string path, string parameterValues, FinitModuleFlags flags)
    {
        if (Throw)
            throw new InvalidOperationException("kernel exploded");
        string module = ModuleName.FromPath(path)!;
        if (Delay > TimeSpan.Zero)
            Thread.Sleep(Delay);
        lock (_lock)
        {
            _calls.Add((module, path, parameterValues, flags));
            if (Errors.TryGetValue(module, out int errno))
                return errno;
            Present.Add(module);
            return 0;
        }
    }
}
