namespace Fobnail.Tpm;

/// <summary>TPM_ST structure tags (TPM 2.0 Part 2 §6.9).</summary>
public enum TpmSt : ushort
{
    RspCommand = 0x00C4,
    Null = 0x8000,
    NoSessions = 0x8001,
    Sessions = 0x8002,
    AttestQuote = 0x8018,
    Creation = 0x8021,
    Verified = 0x8022,
    HashCheck = 0x8024,
}
