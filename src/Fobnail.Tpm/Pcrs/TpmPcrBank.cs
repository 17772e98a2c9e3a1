namespace Fobnail.Tpm;

/// <summary>The values of the selected PCRs of one bank, ascending by PCR index (the RIM's "banks" entry, §8.1).</summary>
public sealed record TpmPcrBank(TpmAlgId Hash, IReadOnlyList<int> Pcrs, IReadOnlyList<byte[]> Digests)
{
    /// <summary>The Fobnail bitmap: bit i = PCR i.</summary>
    public uint Bitmap => Pcrs.Where(p => p < 32).Aggregate(0u, (bits, pcr) => bits | (1u << pcr));
}
