using Fobnail.Init.Config;

namespace Fobnail.Init.Boot;

/// <summary>One step of the boot sequence: async, cancellable, with a typed outcome.</summary>
public interface IBootStep
{
    BootStep Id { get; }

    Task<StepOutcome> RunAsync(BootContext context, CancellationToken cancellationToken);
}
