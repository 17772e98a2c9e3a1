using Fobnail.Tpm;

namespace Fobnail.Kexec.Measurement;

/// <summary>One PCR bank's digest of a measured object (a TPMT_HA before marshalling).</summary>
public sealed record BankDigest(TpmAlgId Hash, byte[] Digest)
{
    public string AlgorithmName => TpmHash.AlgorithmName(Hash);

    public string Hex => Convert.ToHexStringLower(Digest);

    public override string ToString() => $"{AlgorithmName}:{Hex}";
}
