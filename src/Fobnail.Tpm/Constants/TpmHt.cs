namespace Fobnail.Tpm;

/// <summary>TPM_HT handle types: the most significant octet of a handle (TPM 2.0 Part 2 §7.2).</summary>
public enum TpmHt : byte
{
    Pcr = 0x00,
    NvIndex = 0x01,
    HmacSession = 0x02,
    PolicySession = 0x03,
    Permanent = 0x40,
    Transient = 0x80,
    Persistent = 0x81,
}
