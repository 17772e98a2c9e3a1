namespace Fobnail.Tpm;

public sealed record PcrReadResponse(uint PcrUpdateCounter, TpmlPcrSelection PcrSelectionOut, TpmlDigest PcrValues);

/// <summary>
/// TPM2_PCR_Read (Part 3 §22.4). One call returns at most 8 digests; <see cref="PcrSelectionOut"/> says which
/// PCRs were read (callers loop, see <see cref="TpmPcrBanks"/>). The response must be consistent: the output
/// selection is a subset of the request, and there is one digest of the bank's size per selected PCR.
/// </summary>
public sealed class PcrRead
{
    public const string CommandName = "TPM2_PCR_Read";

    public required TpmlPcrSelection PcrSelectionIn { get; init; }

    public PcrReadResponse Execute(ITpmTransport transport)
    {
        var p = new TpmWriter(64);
        PcrSelectionIn.Marshal(p);
        TpmReader r = TpmCommandRunner.Run(transport, TpmCc.PCR_Read, CommandName, [], [], p.WrittenSpan, 0).Parameters;
        uint counter = r.ReadU32();
        TpmlPcrSelection selectionOut = TpmlPcrSelection.Unmarshal(r);
        TpmlDigest values = TpmlDigest.Unmarshal(r);
        r.ExpectEnd(CommandName);

        int index = 0;
        foreach (TpmsPcrSelection s in selectionOut.Selections)
        {
            TpmsPcrSelection? requested = PcrSelectionIn.Selections.FirstOrDefault(q => q.Hash == s.Hash);
            if (requested is null)
                throw r.Fail($"bank 0x{(ushort)s.Hash:X4} was returned but not requested");
            if (selectionOut.Selections.Count(q => q.Hash == s.Hash) != 1)
                throw r.Fail($"bank 0x{(ushort)s.Hash:X4} appears more than once");
            int size = TpmHash.DigestSize(s.Hash);
            foreach (int pcr in s.Pcrs())
            {
                if (!requested.Contains(pcr))
                    throw r.Fail($"PCR {s.Hash}:{pcr} was returned but not requested");
                if (index >= values.Digests.Count)
                    throw r.Fail($"{selectionOut.SelectedCount} PCRs selected but only {values.Digests.Count} digests returned");
                if (size != 0 && values.Digests[index].Length != size)
                    throw r.Fail($"PCR {s.Hash}:{pcr} digest is {values.Digests[index].Length} bytes, expected {size}");
                index++;
            }
        }
        if (index != values.Digests.Count)
            throw r.Fail($"{index} PCRs selected but {values.Digests.Count} digests returned");
        return new PcrReadResponse(counter, selectionOut, values);
    }
}
