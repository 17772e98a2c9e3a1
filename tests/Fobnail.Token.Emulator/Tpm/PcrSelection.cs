namespace Fobnail.Token.Emulator.Tpm;

/// <summary>One PCR bank selection: TPM_ALG_ID and a bitmap with bit i = PCR i (pcrSelect read little-endian).</summary>
public readonly record struct PcrSelection(ushort AlgoId, uint Pcrs);
