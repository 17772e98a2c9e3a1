namespace Fobnail.Tpm;

/// <summary>TPM2_Startup (Part 3 §9.3). TPM_RC_INITIALIZE means the TPM was already started: not an error here (§7.3).</summary>
public sealed class Startup
{
    public const string CommandName = "TPM2_Startup";

    public TpmSu StartupType { get; init; } = TpmSu.Clear;

    /// <returns>True if this call started the TPM, false if it was already started.</returns>
    public bool Execute(ITpmTransport transport)
    {
        var p = new TpmWriter(2);
        p.WriteU16((ushort)StartupType);
        try
        {
            TpmResponse response = TpmCommandRunner.Run(transport, TpmCc.Startup, CommandName, [], [], p.WrittenSpan, 0);
            response.Parameters.ExpectEnd(CommandName);
            return true;
        }
        catch (TpmException e) when (e.ResponseCode?.Value == TpmResponseCode.Initialize)
        {
            return false;
        }
    }
}
