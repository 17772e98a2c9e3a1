namespace Fobnail.Tpm;

/// <summary>TPM_SE session types for TPM2_StartAuthSession (TPM 2.0 Part 2 §6.11).</summary>
public enum TpmSe : byte
{
    Hmac = 0x00,
    Policy = 0x01,
    Trial = 0x03,
}
