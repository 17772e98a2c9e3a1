using Fobnail.Cbor;

namespace Fobnail.Protocol;

/// <summary>
/// POST /api/v1/attest response (§5.5): <c>{_ "nonce": bstr(32), "banks": [BankSelection, ...]}</c>. The token
/// sends it as an INDEFINITE-length map (serde flatten, §4), so <see cref="Encode"/> reproduces that byte for
/// byte (69 bytes with the default policy) and <see cref="Decode"/> reads lax by default.
/// </summary>
public sealed record QuoteRequest(byte[] Nonce, IReadOnlyList<BankSelection> Banks)
{
    private static readonly string[] Keys = ["nonce", "banks"];

    private const string Name = nameof(QuoteRequest);
    private const int MaxBanks = 8;

    public byte[] Encode() => MessageCodec.Encode(Write);

    public void Write(CborWriter w)
    {
        w.WriteStartIndefiniteLengthMap();
        w.WriteTextString("nonce");
        w.WriteByteString(Nonce);
        w.WriteTextString("banks");
        w.WriteStartArray(Banks.Count);
        foreach (var bank in Banks) bank.Write(w);
        w.WriteEndArray();
        w.WriteEndMap();
    }

    public static QuoteRequest Decode(ReadOnlyMemory<byte> data, CborConformance conformance = CborConformance.Lax) =>
        MessageCodec.Decode(data, conformance, Name, static r =>
        {
            var map = new StrictMap(r, Name, Keys);
            byte[] nonce = [];
            BankSelection[] banks = [];
            int key;
            while ((key = map.Next()) >= 0)
            {
                if (key == 0) nonce = map.Bytes(exactLength: ProtocolLimits.QuoteNonceSize);
                else banks = MessageCodec.ReadArray(r, Name, "banks", MaxBanks, BankSelection.Read);
            }
            map.RequireAll();
            return new QuoteRequest(nonce, banks);
        });
}
