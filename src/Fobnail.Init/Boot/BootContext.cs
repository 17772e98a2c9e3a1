using Fobnail.Init.Config;
using Fobnail.Kexec;
using Fobnail.Modules;
using Fobnail.Netlink.Token;
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

    /// <summary>The module loader the modules step made (hotplug keeps using it); null before that step.</summary>
    public ModuleLoader? Modules { get; set; }

    /// <summary>The token link manager the network step started; null before that step.</summary>
    public TokenLinkManager? TokenLink { get; set; }

    /// <summary>The attest step's verdict for the kexec step; null when attest did not run (kexec refuses then).</summary>
    public AttestationVerdict? Verdict { get; set; }

    /// <summary>The token-held secrets the attest step read after a TRUSTED verdict (fobnail.secret); wiped after the handoff.</summary>
    public Fobnail.Kexec.Initrd.HandoverSecrets? Secrets { get; set; }
}
