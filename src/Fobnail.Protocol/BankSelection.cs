using Fobnail.Cbor;

namespace Fobnail.Protocol;

/// <summary>A required PCR selection in a quote request (§5.5): <c>{"algo_id": uint, "pcrs": uint bitmap}</c>.</summary>
public sealed record BankSelection(ushort AlgoId, uint Pcrs)
{
    private static readonly string[] Keys = ["algo_id", "pcrs"];

    internal const string Name = nameof(BankSelection);

    public void Write(CborWriter w)
    {
        w.WriteStartMap(2);
        w.WriteTextString("algo_id");
        w.WriteUInt32(AlgoId);
        w.WriteTextString("pcrs");
        w.WriteUInt32(Pcrs);
        w.WriteEndMap();
    }

    internal static BankSelection Read(CborReader r)
    {
        var map = new StrictMap(r, Name, Keys);
        ushort algo = 0;
        uint pcrs = 0;
        int key;
        while ((key = map.Next()) >= 0)
        {
            if (key == 0) algo = map.UInt16();
            else pcrs = map.UInt32();
        }
        map.RequireAll();
        return new BankSelection(algo, pcrs);
    }
}
