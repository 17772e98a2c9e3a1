namespace Fobnail.Tpm;

/// <summary>
/// The TPM accepted a command but sent no (complete) response within the command's timeout. The TPM may still
/// be executing it, so the transport that threw this refuses further commands; open a new one.
/// </summary>
public sealed class TpmTimeoutException : TpmTransportException
{
    public TpmTimeoutException(string transport, string commandName, TimeSpan waited)
        : base($"{transport}: no response to {commandName} within {waited.TotalSeconds:0.###} s")
    {
        CommandName = commandName;
        Waited = waited;
    }

    /// <summary>How long we waited for the response (the command's timeout).</summary>
    public TimeSpan Waited { get; }
}
