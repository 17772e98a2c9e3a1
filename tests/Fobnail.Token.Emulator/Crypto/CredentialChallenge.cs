namespace Fobnail.Token.Emulator.Crypto;

/// <summary>
/// Output of MakeCredential: the secret the token keeps, and the two marshalled TPM structures it sends
/// (TPM2B_ID_OBJECT and TPM2B_ENCRYPTED_SECRET, both with their u16 size prefix).
/// </summary>
public sealed record CredentialChallenge(byte[] Secret, byte[] IdObject, byte[] EncSecret);
