namespace Fobnail.Tpm;

/// <summary>
/// PCR banks as a whole: the allocation (TPM_CAP_PCRS), reading every selected PCR (PCR_Read returns at most 8
/// digests per call, so we loop, removing what each call returned, §8.1), and extending a PCR in every
/// allocated bank (measured kexec).
/// </summary>
public static class TpmPcrBanks
{
    /// <summary>The allocated banks with their PCRs (banks with an empty selection are left out).</summary>
    public static TpmlPcrSelection Allocated(ITpmTransport transport)
    {
        GetCapabilityResponse r = new GetCapability { Capability = TpmCap.Pcrs, Property = 0, PropertyCount = TpmlPcrSelection.MaxCount }.Execute(transport);
        TpmsPcrSelection[] banks = r.Pcrs!.Selections.Where(s => !s.IsEmpty).ToArray();
        if (banks.DistinctBy(s => s.Hash).Count() != banks.Length)
            throw new TpmParseException(GetCapability.CommandName, "TPM_CAP_PCRS lists a bank more than once");
        return new TpmlPcrSelection(banks);
    }

    /// <summary>Reads every PCR in <paramref name="selection"/> (by default all allocated banks and PCRs).</summary>
    public static TpmPcrValues Read(ITpmTransport transport, TpmlPcrSelection? selection = null)
    {
        selection ??= Allocated(transport);
        var values = new Dictionary<(TpmAlgId, int), byte[]>();
        var remaining = selection.Selections.Select(s => new TpmsPcrSelection(s.Hash, (byte[])s.PcrSelect.Clone())).ToList();
        int total = selection.SelectedCount;
        uint counter = 0;
        // Each successful call reads at least one PCR, so `total` calls suffice; one more catches a TPM that stalls.
        for (int calls = 0; remaining.Any(s => !s.IsEmpty); calls++)
        {
            if (calls > total)
                throw new TpmParseException(PcrRead.CommandName, "the TPM stopped returning the remaining PCRs");
            PcrReadResponse response = new PcrRead { PcrSelectionIn = new TpmlPcrSelection(remaining.ToArray()) }.Execute(transport);
            if (response.PcrSelectionOut.SelectedCount == 0)
                throw new TpmParseException(PcrRead.CommandName, $"no PCR returned for the remaining selection {new TpmlPcrSelection(remaining.ToArray())}");
            counter = response.PcrUpdateCounter;
            int index = 0;
            foreach (TpmsPcrSelection s in response.PcrSelectionOut.Selections)
            {
                TpmsPcrSelection pending = remaining.First(q => q.Hash == s.Hash);
                foreach (int pcr in s.Pcrs())
                {
                    values[(s.Hash, pcr)] = response.PcrValues.Digests[index++];
                    pending.PcrSelect[pcr / 8] &= (byte)~(1 << (pcr % 8));
                }
            }
        }
        var banks = selection.Selections
            .Select(s => new TpmPcrBank(s.Hash, s.Pcrs().ToArray(), s.Pcrs().Select(p => values[(s.Hash, p)]).ToArray()))
            .ToArray();
        return new TpmPcrValues(counter, banks);
    }

    /// <summary>
    /// Extends PCR <paramref name="pcr"/> with the digest of <paramref name="data"/> in every allocated bank, each
    /// hashed with that bank's algorithm. Returns the banks extended.
    /// </summary>
    public static IReadOnlyList<TpmAlgId> ExtendAllBanks(ITpmTransport transport, int pcr, ReadOnlySpan<byte> data)
    {
        var digests = new List<TpmtHa>();
        foreach (TpmsPcrSelection bank in Allocated(transport).Selections)
        {
            if (!TpmHash.IsSupported(bank.Hash))
                throw new TpmException($"PCR bank {TpmHash.AlgorithmName(bank.Hash)} is allocated but its hash is not supported; refusing to leave it unextended");
            digests.Add(new TpmtHa(bank.Hash, TpmHash.Compute(bank.Hash, data)));
        }
        new PcrExtend { PcrHandle = pcr, Digests = digests }.Execute(transport);
        return digests.Select(d => d.HashAlg).ToArray();
    }

    /// <summary>SHA-256 of the concatenated PCR values, in selection order: the quote's pcrDigest (§7.6).</summary>
    public static byte[] QuoteDigest(TpmPcrValues values) =>
        TpmHash.Sha256(values.Banks.SelectMany(b => b.Digests).SelectMany(d => d).ToArray());
}
