namespace Fobnail.Tpm;

/// <summary>
/// A TPM response (or a TPM structure handed to us, e.g. an EK certificate or an idObject) was short,
/// oversized or inconsistent with the shape the command defines. Never an IndexOutOfRange: every read is
/// checked against the remaining bytes first.
/// </summary>
public sealed class TpmParseException : TpmException
{
    public TpmParseException(string context, string message) : base($"{context}: malformed data: {message}")
    {
        CommandName = context;
    }
}
