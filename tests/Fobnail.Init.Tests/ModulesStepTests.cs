using Fobnail.Init.Boot;
using Fobnail.Init.Config;
using Fobnail.Modules;

namespace Fobnail.Init.Tests;

/// <summary>
/// The modules step on a kernel without a module directory (the minimal kernel of kernel-config/, every driver built
/// in) and on one whose directory is there but broken.
/// </summary>
public sealed class ModulesStepTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fobnail-modules-step-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private Task<StepOutcome> RunAsync(BootConfig config) =>
        new ModulesStep().RunAsync(new BootContext(config, Serilog.Core.Logger.None, modulesRoot: _root), CancellationToken.None);

    [Fact]
    public async Task Without_a_module_directory_nothing_is_loaded_and_the_step_succeeds()
    {
        var outcome = await RunAsync(new BootConfig());

        string directory = Path.Combine(_root, LinuxModuleKernel.KernelRelease());
        var succeeded = Assert.IsType<StepOutcome.Succeeded>(outcome);
        Assert.Equal($"no module directory {directory}: every driver is built in, no module loaded", succeeded.Summary);
    }

    [Fact]
    public async Task Without_a_module_directory_a_module_named_by_fobnail_modules_fails_the_step()
    {
        var outcome = await RunAsync(new BootConfig { ExtraModules = ["cdc_eem"] });

        var failed = Assert.IsType<StepOutcome.Failed>(outcome);
        Assert.StartsWith("fobnail.modules names cdc_eem, but there is no module directory ", failed.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_module_directory_without_modules_dep_still_fails_the_step()
    {
        Directory.CreateDirectory(Path.Combine(_root, LinuxModuleKernel.KernelRelease()));

        var outcome = await RunAsync(new BootConfig());

        var failed = Assert.IsType<StepOutcome.Failed>(outcome);
        Assert.Contains("modules.dep", failed.Summary, StringComparison.Ordinal);
    }
}
