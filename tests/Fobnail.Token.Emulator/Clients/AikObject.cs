using Fobnail.Token.Emulator.Tpm;

namespace Fobnail.Token.Emulator.Clients;

/// <summary>An uploaded AIK with the MakeCredential secret it must prove, bound to the EK it was made for.</summary>
public sealed record AikObject(AikPublic Aik, byte[] Secret, uint EkId);
