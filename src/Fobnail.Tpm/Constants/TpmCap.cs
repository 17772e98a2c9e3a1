namespace Fobnail.Tpm;

/// <summary>TPM_CAP capability selectors for TPM2_GetCapability (TPM 2.0 Part 2 §6.12).</summary>
public enum TpmCap : uint
{
    Algs = 0,
    Handles = 1,
    Commands = 2,
    Pcrs = 5,
    TpmProperties = 6,
}
