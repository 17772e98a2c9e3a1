namespace Fobnail.Tpm;

/// <summary>The transport to the TPM (device node or simulator socket) failed.</summary>
public class TpmTransportException : TpmException
{
    public TpmTransportException(string message) : base(message) { }

    public TpmTransportException(string message, Exception inner) : base(message, inner) { }
}
