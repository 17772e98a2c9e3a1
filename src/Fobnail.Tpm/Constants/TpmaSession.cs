namespace Fobnail.Tpm;

/// <summary>TPMA_SESSION session attributes (TPM 2.0 Part 2 §8.4).</summary>
[Flags]
public enum TpmaSession : byte
{
    None = 0,
    ContinueSession = 0x01,
    AuditExclusive = 0x02,
    AuditReset = 0x04,
    Decrypt = 0x20,
    Encrypt = 0x40,
    Audit = 0x80,
}
