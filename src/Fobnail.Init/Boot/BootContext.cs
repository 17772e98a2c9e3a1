using Fobnail.Init.Config;
using Serilog;

namespace Fobnail.Init.Boot;

/// <summary>What the steps share: configuration, logger, and the services earlier steps started.</summary>
public sealed class BootContext(BootConfig config, ILogger log, string commandLine = "", string sysRoot = "/sys", string modulesRoot = "/lib/modules")
{
    public BootConfig Config { get; } = config;
    /// <summary>The kernel command line text (module parameters are read from it).</summary>
    public string CommandLine { get; } = commandLine;
    public ILogger Log { get; } = log;
    public string SysRoot { get; } = sysRoot;
    public string ModulesRoot { get; } = modulesRoot;

    /// <summary>Long-running services (uevent hotplug, token link manager) that live until PID 1 ends.</summary>
    public List<Task> Services { get; } = [];

    private readonly Dictionary<Type, object> _shared = [];

    /// <summary>Objects one step makes for later ones (e.g. the module loader for hotplug), keyed by type.</summary>
    public void Set<T>(T value) where T : class => _shared[typeof(T)] = value;

    public T? Get<T>() where T : class => _shared.TryGetValue(typeof(T), out var v) ? (T)v : null;
}
