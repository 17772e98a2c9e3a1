using System.Numerics;
using Fobnail.Cbor;

namespace Fobnail.Protocol;

/// <summary>
/// One bank of a RIM (§8.1): <c>{"algo_id": uint TPM_ALG_ID, "pcrs": uint bitmap (bit i = PCR i),
/// "pcr": [bstr digest, ...]}</c> with one digest per set bit, ascending PCR index.
/// </summary>
public sealed record PcrBank(ushort AlgoId, uint Pcrs, IReadOnlyList<byte[]> Pcr)
{
    private static readonly string[] Keys = ["algo_id", "pcrs", "pcr"];

    internal const string Name = nameof(PcrBank);

    /// <summary>A bitmap has at most 32 PCRs.</summary>
    internal const int MaxDigests = 32;

    /// <summary>The token's RIM consistency check: popcount(pcrs) == digest count, all digests the same length.</summary>
    public bool IsConsistent =>
        BitOperations.PopCount(Pcrs) == Pcr.Count && Pcr.All(d => d.Length == Pcr[0].Length);

    /// <summary>The digest of PCR <paramref name="index"/>, or null if the bank does not select it.</summary>
    public byte[]? DigestOf(int index)
    {
        if (index < 0 || index > 31 || (Pcrs & (1u << index)) == 0) return null;
        int position = BitOperations.PopCount(Pcrs & ((1u << index) - 1));
        return position < Pcr.Count ? Pcr[position] : null;
    }

    public void Write(CborWriter w)
    {
        w.WriteStartMap(3);
        w.WriteTextString("algo_id");
        w.WriteUInt32(AlgoId);
        w.WriteTextString("pcrs");
        w.WriteUInt32(Pcrs);
        w.WriteTextString("pcr");
        MessageCodec.WriteByteStringArray(w, Pcr);
        w.WriteEndMap();
    }

    internal static PcrBank Read(CborReader r)
    {
        var map = new StrictMap(r, Name, Keys);
        ushort algo = 0;
        uint pcrs = 0;
        byte[][] digests = [];
        int key;
        while ((key = map.Next()) >= 0)
        {
            switch (key)
            {
                case 0: algo = map.UInt16(); break;
                case 1: pcrs = map.UInt32(); break;
                default: digests = MessageCodec.ReadByteStringArray(r, Name, "pcr", MaxDigests); break;
            }
        }
        map.RequireAll();
        return new PcrBank(algo, pcrs, digests);
    }
}
