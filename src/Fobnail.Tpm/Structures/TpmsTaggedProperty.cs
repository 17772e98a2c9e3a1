namespace Fobnail.Tpm;

/// <summary>TPMS_TAGGED_PROPERTY (Part 2 §10.8.2): one TPM_PT and its value.</summary>
public readonly record struct TpmsTaggedProperty(TpmPt Property, uint Value);
