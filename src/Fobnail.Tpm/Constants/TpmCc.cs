namespace Fobnail.Tpm;

/// <summary>TPM_CC command codes (TPM 2.0 Part 2 §6.5.2) for the commands this library sends.</summary>
public enum TpmCc : uint
{
    EvictControl = 0x00000120,
    SequenceComplete = 0x0000013E,
    CreatePrimary = 0x00000131,
    Startup = 0x00000144,
    ActivateCredential = 0x00000147,
    NV_Read = 0x0000014E,
    PolicySecret = 0x00000151,
    Create = 0x00000153,
    Load = 0x00000157,
    Quote = 0x00000158,
    SequenceUpdate = 0x0000015C,
    Sign = 0x0000015D,
    FlushContext = 0x00000165,
    NV_ReadPublic = 0x00000169,
    ReadPublic = 0x00000173,
    StartAuthSession = 0x00000176,
    GetCapability = 0x0000017A,
    GetRandom = 0x0000017B,
    Hash = 0x0000017D,
    PCR_Read = 0x0000017E,
    PCR_Extend = 0x00000182,
    HashSequenceStart = 0x00000186,
    CreateLoaded = 0x00000191,
}
