namespace Fobnail.Tpm;

/// <summary>TPM2_FlushContext (Part 3 §28.4). flushHandle is a parameter, not a handle-area entry.</summary>
public sealed class FlushContext
{
    public const string CommandName = "TPM2_FlushContext";

    public required uint FlushHandle { get; init; }

    public void Execute(ITpmTransport transport)
    {
        var p = new TpmWriter(4);
        p.WriteU32(FlushHandle);
        TpmCommandRunner.Run(transport, TpmCc.FlushContext, CommandName, [], [], p.WrittenSpan, 0).Parameters.ExpectEnd(CommandName);
    }
}
