namespace Fobnail.Token.Emulator.Tpm;

/// <summary>The only exception the TPM structure parsers throw: untrusted bytes were not an acceptable structure.</summary>
public sealed class TpmParseException(string message) : Exception(message);
