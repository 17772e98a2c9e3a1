using Fobnail.Tpm;

namespace Fobnail.Kexec.Measurement;

/// <summary>Where measurements are extended: the TPM (<see cref="TpmPcrExtender"/>) or a test double.</summary>
public interface IPcrExtender
{
    /// <summary>Human-readable target, for the event log.</summary>
    string Description { get; }

    /// <summary>The PCR banks to measure for: every allocated one, so none is left unextended.</summary>
    IReadOnlyList<TpmAlgId> Banks { get; }

    /// <summary>Extends <paramref name="pcr"/> with one digest per bank (TPM2_PCR_Extend semantics).</summary>
    void Extend(int pcr, IReadOnlyList<BankDigest> digests);

    /// <summary>The current values of <paramref name="pcrs"/> in every bank of <see cref="Banks"/>.</summary>
    IReadOnlyDictionary<(TpmAlgId Bank, int Pcr), byte[]> Read(IReadOnlyCollection<int> pcrs);
}
