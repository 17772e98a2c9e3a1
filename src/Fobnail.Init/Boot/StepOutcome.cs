namespace Fobnail.Init.Boot;

/// <summary>The typed result of one boot step, which the boot policy acts on; Summary is the log line.</summary>
public abstract record StepOutcome(string Summary)
{
    public sealed record Succeeded(string Summary) : StepOutcome(Summary);

    public sealed record Failed(string Summary, Exception? Error = null) : StepOutcome(Summary);
}
