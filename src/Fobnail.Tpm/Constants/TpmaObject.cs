namespace Fobnail.Tpm;

/// <summary>TPMA_OBJECT object attributes (TPM 2.0 Part 2 §8.3).</summary>
[Flags]
public enum TpmaObject : uint
{
    None = 0,
    FixedTpm = 1u << 1,
    StClear = 1u << 2,
    FixedParent = 1u << 4,
    SensitiveDataOrigin = 1u << 5,
    UserWithAuth = 1u << 6,
    AdminWithPolicy = 1u << 7,
    NoDA = 1u << 10,
    EncryptedDuplication = 1u << 11,
    Restricted = 1u << 16,
    Decrypt = 1u << 17,
    Sign = 1u << 18,
}
