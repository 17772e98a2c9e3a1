using System.CommandLine;
using Fobnail.Init.Logging;
using Fobnail.Modules;
using Serilog.Events;

namespace Fobnail.Init.Cli;

/// <summary>
/// <c>modules resolve|load|coldplug</c>: the modprobe of this binary. <c>resolve</c> only reads the index and
/// runs anywhere (e.g. against an unpacked kernel with --dir); <c>load</c> and <c>coldplug</c> call
/// finit_module(2) and need root on a kernel with module support.
/// </summary>
internal static class ModulesCommand
{
    public static Command Create()
    {
        var command = new Command("modules", "Kernel modules: resolve, load and coldplug like modprobe (modules.dep/alias/softdep/builtin)");

        var dir = new Option<string?>("--dir") { Description = "Modules directory (default /lib/modules/$(uname -r))" };
        var cmdline = new Option<string>("--cmdline")
        {
            Description = "Kernel command line file for module.param=value parameters",
            DefaultValueFactory = _ => "/proc/cmdline",
        };
        var sysfs = new Option<string>("--sysfs") { Description = "sysfs root", DefaultValueFactory = _ => "/sys" };
        var verbose = CommonOptions.Verbose();

        var query = new Argument<string>("name|modalias") { Description = "A module name ('-' or '_') or a modalias such as usb:v1234p4321d..." };
        var resolve = new Command("resolve", "Print the modules a name or modalias resolves to and their load order; loads nothing") { query, dir };
        resolve.SetAction((result, _) => RunAsync(() =>
        {
            ModuleIndex index = ModuleIndex.Load(Directory(result.GetValue(dir)));
            ModuleLookup lookup = index.Lookup(result.GetValue(query)!);
            ModulePlanText.Write(Console.Out, lookup, index.Plan(lookup.Modules));
            return Task.FromResult(lookup.Modules.Count == 0 ? ExitCodes.Failed : ExitCodes.Ok);
        }));
        command.Subcommands.Add(resolve);

        var loadQuery = new Argument<string>("name|modalias") { Description = query.Description };
        var load = new Command("load", "Load a module (by name or modalias) with its dependencies and softdeps")
        {
            loadQuery, dir, cmdline, sysfs, verbose,
        };
        load.SetAction((result, ct) => RunAsync(async () =>
        {
            using var log = LogSetup.CreateForCli(result.GetValue(verbose) ? LogEventLevel.Debug : LogEventLevel.Information);
            ModuleIndex index = ModuleIndex.Load(Directory(result.GetValue(dir)), log);
            var loader = new ModuleLoader(index, new LinuxModuleKernel(result.GetValue(sysfs)!), Parameters(result.GetValue(cmdline)!), log);
            string what = result.GetValue(loadQuery)!;
            // A modalias ("bus:...") is loaded like a uevent's (every match, modprobe.blacklist applies); anything
            // else like `modprobe name` (a module or alias name, no blacklist).
            IReadOnlyList<ModuleLoadResult> results = what.Contains(':')
                ? await loader.LoadForModaliasAsync(what, ct).ConfigureAwait(false)
                : [await loader.LoadByNameAsync(what, ct).ConfigureAwait(false)];
            if (results.Count == 0)
                results = [new ModuleLoadResult(ModuleName.Normalize(what), ModuleLoadStatus.NotFound, 0, "no such module or alias")];
            foreach (ModuleLoadResult r in results)
                Console.Out.WriteLine(r.ToString());
            return results.All(r => r.Succeeded) ? 0 : 1;
        }));
        command.Subcommands.Add(load);

        var dryRun = new Option<bool>("--dry-run") { Description = "Only list each modalias found in sysfs and the modules it would load" };
        var coldplug = new Command("coldplug", "Load the modules for every device in sysfs (every modalias under <sysfs>/devices)")
        {
            dir, cmdline, sysfs, dryRun, verbose,
        };
        coldplug.SetAction((result, ct) => RunAsync(async () =>
        {
            using var log = LogSetup.CreateForCli(result.GetValue(verbose) ? LogEventLevel.Debug : LogEventLevel.Information);
            ModuleIndex index = ModuleIndex.Load(Directory(result.GetValue(dir)), log);
            string root = result.GetValue(sysfs)!;
            if (result.GetValue(dryRun))
            {
                ColdplugScan scan = Coldplug.Scan(root, ct);
                foreach (string modalias in scan.Modaliases)
                {
                    ModuleLookup lookup = index.Lookup(modalias);
                    Console.Out.WriteLine($"{modalias}\t{(lookup.Modules.Count == 0 ? "-" : string.Join(",", lookup.Modules))}");
                }
                Console.Out.WriteLine($"{scan.Devices} devices, {scan.Modaliases.Count} distinct modaliases{(scan.Truncated ? " (walk truncated)" : "")}");
                return 0;
            }
            var loader = new ModuleLoader(index, new LinuxModuleKernel(root), Parameters(result.GetValue(cmdline)!), log);
            ColdplugSummary summary = await Coldplug.RunAsync(loader, root, ct).ConfigureAwait(false);
            foreach (var (module, modalias) in summary.Loaded)
                Console.Out.WriteLine($"loaded {module} ({modalias})");
            foreach (ModuleLoadResult failed in summary.Failed)
                Console.Out.WriteLine(failed.ToString());
            Console.Out.WriteLine($"{summary.Devices} devices, {summary.Modaliases} distinct modaliases, {summary.Loaded.Count} loaded, {summary.Failed.Count} failed, {summary.Unmatched} without a module");
            return summary.Failed.Count == 0 ? 0 : 1;
        }));
        command.Subcommands.Add(coldplug);
        return command;
    }

    private static string Directory(string? dir) => dir ?? ModuleIndex.DefaultDirectory();

    /// <summary>Module parameters of a kernel command line file (none when it does not exist, e.g. no /proc).</summary>
    private static ModuleParameters Parameters(string cmdlinePath) =>
        File.Exists(cmdlinePath) || System.IO.Directory.Exists(cmdlinePath)
            ? ModuleParameters.FromKernelCommandLine(CliFiles.ReadText("--cmdline", cmdlinePath, MaxCommandLine))
            : ModuleParameters.None;

    /// <summary>Far above any kernel's COMMAND_LINE_SIZE; only a bound for a file that is no command line.</summary>
    private const int MaxCommandLine = 64 * 1024;

    /// <summary>Index and command-line problems are the user's to fix: one clear line, exit code 1, no stack trace.</summary>
    private static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception e) when (e is ModuleIndexException or KernelCommandLineException or IOException)
        {
            Console.Error.WriteLine($"modules: {e.Message}");
            return ExitCodes.Failed;
        }
    }
}
