using System.Diagnostics;
using Fobnail.Init.Config;
using Serilog;

namespace Fobnail.Init.Boot;

/// <summary>
/// Runs the configured steps in order and stops at the first failure. Exceptions are outcomes too: whatever a
/// step throws becomes a Failed outcome with a log line, so one bad step can never take PID 1 down.
/// </summary>
public sealed class BootSequence(IReadOnlyDictionary<BootStep, IBootStep> available)
{
    public async Task<StepOutcome> RunAsync(BootContext context, CancellationToken cancellationToken)
    {
        try { return await RunStepsAsync(context, cancellationToken).ConfigureAwait(false); }
        finally
        {
            // Token-held secrets no step handed over (a failure between attest and the handoff) are wiped here.
            context.Secrets?.Dispose();
            context.Secrets = null;
        }
    }

    private async Task<StepOutcome> RunStepsAsync(BootContext context, CancellationToken cancellationToken)
    {
        var log = context.Log;
        foreach (var id in context.Config.Steps)
        {
            if (!available.TryGetValue(id, out var step))
                return new StepOutcome.Failed($"step '{id}' is not available in this build");

            string name = id.ToString().ToLowerInvariant();
            log.Information("step {Step}: starting", name);
            var clock = Stopwatch.StartNew();
            StepOutcome outcome;
            try
            {
                if (context.Config.DebugFault == id)
                    throw new InvalidOperationException($"fault injected into step '{name}' by fobnail.debug.fault");
                outcome = await step.RunAsync(context, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                outcome = new StepOutcome.Failed($"step '{name}' was cancelled");
            }
            catch (Exception e)
            {
                outcome = new StepOutcome.Failed($"step '{name}' threw {e.GetType().Name}: {e.Message}", e);
            }

            if (outcome is StepOutcome.Failed failed)
            {
                log.Error("step {Step}: FAILED after {Ms} ms: {Summary}", name, clock.ElapsedMilliseconds, failed.Summary);
                return failed;
            }
            log.Information("step {Step}: done in {Ms} ms: {Summary}", name, clock.ElapsedMilliseconds, outcome.Summary);
        }
        return new StepOutcome.Succeeded($"all steps done ({string.Join(", ", context.Config.Steps).ToLowerInvariant()})");
    }
}
