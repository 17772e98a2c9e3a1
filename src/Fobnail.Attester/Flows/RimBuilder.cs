using Fobnail.Tpm;
using Fobnail.Protocol;

namespace Fobnail.Attester.Flows;

/// <summary>
/// The RIM (§8.1) as the reference builds it: every allocated bank with every allocated PCR, bitmap bit i = PCR i,
/// digests ascending by PCR index, update_ctr = pcrUpdateCounter of the last PCR_Read.
/// </summary>
public static class RimBuilder
{
    public static Rim FromPcrValues(TpmPcrValues values)
    {
        var banks = values.Banks
            .Select(b => new PcrBank((ushort)b.Hash, b.Bitmap, b.Digests.ToArray()))
            .ToArray();
        var rim = new Rim(values.UpdateCounter, banks);
        if (!rim.IsConsistent)
            throw new TpmException("the PCR values read do not form a consistent RIM (bitmap popcount or digest sizes differ)");
        return rim;
    }

    /// <summary>Reads all allocated banks from the TPM and builds the RIM; throws if its encoding exceeds 6000 bytes.</summary>
    public static (Rim Rim, byte[] Encoded) Read(ITpmTransport transport)
    {
        Rim rim = FromPcrValues(TpmPcrBanks.Read(transport));
        byte[] encoded = rim.Encode();
        if (encoded.Length > ProtocolLimits.MaxRim)
            throw new TpmException($"the RIM is {encoded.Length} bytes; the token accepts at most {ProtocolLimits.MaxRim}");
        return (rim, encoded);
    }
}
