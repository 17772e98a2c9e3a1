using Fobnail.Init.Boot;
using Fobnail.Init.Config;

namespace Fobnail.Init.Tests;

public sealed class BootSequenceTests
{
    private sealed class FakeStep(BootStep id, Func<StepOutcome> run) : IBootStep
    {
        public int Runs { get; private set; }
        public BootStep Id => id;
        public Task<StepOutcome> RunAsync(BootContext context, CancellationToken cancellationToken)
        {
            Runs++;
            return Task.FromResult(run());
        }
    }

    private static BootContext Context(BootConfig config) => new(config, Serilog.Core.Logger.None);

    [Fact]
    public async Task Runs_the_configured_steps_in_order_and_succeeds()
    {
        var order = new List<BootStep>();
        var modules = new FakeStep(BootStep.Modules, () => { order.Add(BootStep.Modules); return new StepOutcome.Succeeded("ok"); });
        var network = new FakeStep(BootStep.Network, () => { order.Add(BootStep.Network); return new StepOutcome.Succeeded("ok"); });
        var seq = new BootSequence(new Dictionary<BootStep, IBootStep> { [BootStep.Modules] = modules, [BootStep.Network] = network });

        var outcome = await seq.RunAsync(Context(new BootConfig { Steps = [BootStep.Network, BootStep.Modules] }), default);

        Assert.IsType<StepOutcome.Succeeded>(outcome);
        Assert.Equal([BootStep.Network, BootStep.Modules], order);
    }

    [Fact]
    public async Task Stops_at_the_first_failure()
    {
        var modules = new FakeStep(BootStep.Modules, () => new StepOutcome.Failed("no modules.dep"));
        var network = new FakeStep(BootStep.Network, () => new StepOutcome.Succeeded("ok"));
        var seq = new BootSequence(new Dictionary<BootStep, IBootStep> { [BootStep.Modules] = modules, [BootStep.Network] = network });

        var outcome = await seq.RunAsync(Context(new BootConfig()), default);

        Assert.Equal("no modules.dep", Assert.IsType<StepOutcome.Failed>(outcome).Summary);
        Assert.Equal(0, network.Runs);
    }

    [Fact]
    public async Task A_throwing_step_becomes_a_failed_outcome()
    {
        var modules = new FakeStep(BootStep.Modules, () => throw new IOException("disk on fire"));
        var seq = new BootSequence(new Dictionary<BootStep, IBootStep> { [BootStep.Modules] = modules });

        var failed = Assert.IsType<StepOutcome.Failed>(await seq.RunAsync(Context(new BootConfig { Steps = [BootStep.Modules] }), default));

        Assert.Contains("IOException: disk on fire", failed.Summary);
        Assert.IsType<IOException>(failed.Error);
    }

    [Fact]
    public async Task Injected_fault_fails_the_step_without_running_it()
    {
        var modules = new FakeStep(BootStep.Modules, () => new StepOutcome.Succeeded("ok"));
        var seq = new BootSequence(new Dictionary<BootStep, IBootStep> { [BootStep.Modules] = modules });

        var outcome = await seq.RunAsync(Context(new BootConfig { Steps = [BootStep.Modules], DebugFault = BootStep.Modules }), default);

        Assert.Contains("fault injected", Assert.IsType<StepOutcome.Failed>(outcome).Summary);
        Assert.Equal(0, modules.Runs);
    }

    [Fact]
    public async Task A_step_missing_from_the_build_is_a_failure_not_a_skip()
    {
        var outcome = await new BootSequence(new Dictionary<BootStep, IBootStep>())
            .RunAsync(Context(new BootConfig { Steps = [BootStep.Network] }), default);
        Assert.Contains("not available", Assert.IsType<StepOutcome.Failed>(outcome).Summary);
    }
}
