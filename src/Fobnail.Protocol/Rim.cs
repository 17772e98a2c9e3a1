using Fobnail.Cbor;

namespace Fobnail.Protocol;

/// <summary>
/// Reference integrity manifest (§8.1): <c>{"update_ctr": uint, "banks": [PcrBank, ...]}</c>, keys in the
/// reference order. Inner RIM limit is <see cref="ProtocolLimits.MaxRim"/> (checked by the receiver).
/// </summary>
public sealed record Rim(uint UpdateCtr, IReadOnlyList<PcrBank> Banks)
{
    private static readonly string[] Keys = ["update_ctr", "banks"];

    private const string Name = nameof(Rim);

    /// <summary>Decoder bound on banks (TPMs have at most a handful: SHA-1, SHA-256, SHA-384, SHA-512, SM3).</summary>
    private const int MaxBanks = 8;

    /// <summary>Every bank passes the token's consistency check (§5.4e "Invalid RIM").</summary>
    public bool IsConsistent => Banks.All(b => b.IsConsistent);

    public byte[] Encode() => MessageCodec.Encode(Write, Banks.Sum(b => b.Pcr.Sum(d => d.Length + 2) + 32) + 32);

    public void Write(CborWriter w)
    {
        w.WriteStartMap(2);
        w.WriteTextString("update_ctr");
        w.WriteUInt32(UpdateCtr);
        w.WriteTextString("banks");
        w.WriteStartArray(Banks.Count);
        foreach (var bank in Banks) bank.Write(w);
        w.WriteEndArray();
        w.WriteEndMap();
    }

    public static Rim Decode(ReadOnlyMemory<byte> data, CborConformance conformance = CborConformance.Strict) =>
        MessageCodec.Decode(data, conformance, Name, static r =>
        {
            var map = new StrictMap(r, Name, Keys);
            uint updateCtr = 0;
            PcrBank[] banks = [];
            int key;
            while ((key = map.Next()) >= 0)
            {
                if (key == 0) updateCtr = map.UInt32();
                else banks = MessageCodec.ReadArray(r, Name, "banks", MaxBanks, PcrBank.Read);
            }
            map.RequireAll();
            return new Rim(updateCtr, banks);
        });
}
