namespace Fobnail.Protocol;

/// <summary>The token's hard-coded appraisal policy (protocol §8.2): SHA-256 bank, PCRs 0–7, 17, 18.</summary>
public static class DefaultPolicy
{
    public const ushort AlgoId = TpmAlgorithmId.Sha256;

    /// <summary>PCR bitmap, bit i = PCR i (little-endian bit order as in TPMS_PCR_SELECTION).</summary>
    public const uint Pcrs = 0x000600FF;

    public static IReadOnlyList<BankSelection> Banks { get; } = [new BankSelection(AlgoId, Pcrs)];
}
