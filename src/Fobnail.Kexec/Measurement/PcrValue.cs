using Fobnail.Tpm;

namespace Fobnail.Kexec.Measurement;

/// <summary>One PCR of one bank, read from the TPM before and after the kexec measurements were extended.</summary>
public sealed record PcrValue(int Pcr, TpmAlgId Bank, byte[] Before, byte[] After)
{
    public override string ToString() =>
        $"PCR {Pcr} {TpmHash.AlgorithmName(Bank)}: {Convert.ToHexStringLower(Before)} -> {Convert.ToHexStringLower(After)}";
}
