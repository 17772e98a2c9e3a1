namespace Fobnail.Tpm;

/// <summary>
/// Base of every error the TPM layer throws. When the TPM itself answered with a non-success response code,
/// <see cref="ResponseCode"/> holds it (decoded); parse and transport failures use the subclasses.
/// </summary>
public class TpmException : Exception
{
    public TpmException(string message) : base(message) { }

    public TpmException(string message, Exception inner) : base(message, inner) { }

    public TpmException(string commandName, TpmResponseCode responseCode)
        : base($"{commandName} failed: {responseCode}")
    {
        CommandName = commandName;
        ResponseCode = responseCode;
    }

    /// <summary>The Part 3 command name (e.g. "TPM2_Quote") when the error belongs to one command.</summary>
    public string? CommandName { get; protected init; }

    /// <summary>The TPM's response code, when the TPM answered with an error.</summary>
    public TpmResponseCode? ResponseCode { get; }
}
