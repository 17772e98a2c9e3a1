namespace Fobnail.Token.Emulator.Attestation;

/// <summary>The RIM in flash is unusable: the token answers 5.00 and asks for re-provisioning.</summary>
public sealed class StoredRimCorruptException(string message) : Exception(message);
