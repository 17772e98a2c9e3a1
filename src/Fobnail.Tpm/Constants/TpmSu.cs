namespace Fobnail.Tpm;

/// <summary>TPM_SU startup types for TPM2_Startup (TPM 2.0 Part 2 §6.14).</summary>
public enum TpmSu : ushort
{
    Clear = 0x0000,
    State = 0x0001,
}
