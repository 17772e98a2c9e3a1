using Fobnail.Init.Config;
using Fobnail.Modules;

namespace Fobnail.Init.Boot;

/// <summary>
/// Kernel modules: read the index of /lib/modules/$(uname -r), start uevent hotplug, coldplug what is already
/// there, then load the modules named by fobnail.modules. A corrupt index fails the step with the file and line;
/// the failure action decides what happens next (halt keeps the system up). No module directory at all is a kernel
/// with every driver built in (kernel-config/): the step loads nothing and succeeds, unless fobnail.modules asks
/// for a module by name.
/// </summary>
public sealed class ModulesStep : IBootStep
{
    public BootStep Id => BootStep.Modules;

    public async Task<StepOutcome> RunAsync(BootContext context, CancellationToken cancellationToken)
    {
        var log = context.Log;
        string directory = Path.Combine(context.ModulesRoot, LinuxModuleKernel.KernelRelease());
        if (!Directory.Exists(directory))
        {
            // Drivers that are built in bound to their devices before PID 1 started; there is nothing to load, and
            // no reason to listen for uevents either.
            if (context.Config.ExtraModules.Count > 0)
                return new StepOutcome.Failed($"fobnail.modules names {string.Join(", ", context.Config.ExtraModules)}, but there is no module directory {directory}");
            return new StepOutcome.Succeeded($"no module directory {directory}: every driver is built in, no module loaded");
        }
        ModuleIndex index;
        try { index = ModuleIndex.Load(directory, log); }
        catch (ModuleIndexException e) { return new StepOutcome.Failed($"cannot read the module index in {directory}: {e.Message}", e); }

        ModuleParameters parameters;
        try { parameters = ModuleParameters.FromKernelCommandLine(context.CommandLine); }
        catch (KernelCommandLineException e)
        {
            log.Warning("module parameters from the kernel command line ignored: {Error}", e.Message);
            parameters = ModuleParameters.None;
        }

        var loader = new ModuleLoader(index, new LinuxModuleKernel(context.SysRoot), parameters, log);
        context.Modules = loader;

        // Listen before walking: devices that appear while (or because) coldplug loads their bus driver, such as
        // the USB devices behind a freshly loaded xhci_pci, are announced by uevents, not found by the walk.
        _ = HotplugStep.Start(context, loader, cancellationToken); // a service: tracked in context.Services

        var summary = await Coldplug.RunAsync(loader, context.SysRoot, cancellationToken).ConfigureAwait(false);

        var extraFailed = new List<string>();
        foreach (string name in context.Config.ExtraModules)
        {
            var result = await loader.LoadByNameAsync(name, cancellationToken).ConfigureAwait(false);
            if (result.Succeeded) log.Information("loaded {Module} (fobnail.modules)", name);
            else { log.Error("fobnail.modules: {Result}", result.ToString()); extraFailed.Add(name); }
        }

        string text = $"{summary.Loaded.Count} modules loaded for {summary.Modaliases} device modaliases";
        return extraFailed.Count == 0
            ? new StepOutcome.Succeeded(text)
            : new StepOutcome.Failed($"{text}, but fobnail.modules could not load {string.Join(", ", extraFailed)}");
    }
}
