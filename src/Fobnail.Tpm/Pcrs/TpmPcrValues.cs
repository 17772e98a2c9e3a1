namespace Fobnail.Tpm;

/// <summary>All values read by <see cref="TpmPcrBanks.Read"/> and the pcrUpdateCounter of the last PCR_Read.</summary>
public sealed record TpmPcrValues(uint UpdateCounter, IReadOnlyList<TpmPcrBank> Banks);
