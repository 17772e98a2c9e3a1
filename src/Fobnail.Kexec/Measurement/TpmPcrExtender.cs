using Fobnail.Tpm;

namespace Fobnail.Kexec.Measurement;

/// <summary>
/// Extends through the real TPM with TPM2_PCR_Extend (Part 3 §22.2) into every allocated bank at once.
/// Owns the transport.
/// </summary>
public sealed class TpmPcrExtender : IPcrExtender, IDisposable
{
    private readonly ITpmTransport _transport;

    public TpmPcrExtender(ITpmTransport transport)
    {
        _transport = transport;
        Banks = TpmPcrBanks.Allocated(transport).Selections.Select(s => s.Hash).ToArray();
        if (Banks.Count == 0)
            throw new TpmException("the TPM has no PCR bank allocated");
        foreach (TpmAlgId bank in Banks)
            if (!BankDigester.IsSupported(bank))
                throw new TpmException($"PCR bank {TpmHash.AlgorithmName(bank)} is allocated but we cannot compute its hash; refusing to leave it unextended");
    }

    public static TpmPcrExtender Open(string spec) => Open(TpmTransportSpec.Parse(spec));

    public static TpmPcrExtender Open(TpmTransportSpec spec)
    {
        ITpmTransport transport = spec.Open();
        try
        {
            // A TPM that firmware did not start (e.g. QEMU without firmware): TPM2_Startup(CLEAR) first.
            new Startup().Execute(transport);
            return new TpmPcrExtender(transport);
        }
        catch
        {
            transport.Dispose();
            throw;
        }
    }

    public string Description => _transport.Description;

    public IReadOnlyList<TpmAlgId> Banks { get; }

    public void Extend(int pcr, IReadOnlyList<BankDigest> digests) =>
        new PcrExtend { PcrHandle = pcr, Digests = digests.Select(d => new TpmtHa(d.Hash, d.Digest)).ToArray() }.Execute(_transport);

    public IReadOnlyDictionary<(TpmAlgId Bank, int Pcr), byte[]> Read(IReadOnlyCollection<int> pcrs)
    {
        TpmPcrValues values = TpmPcrBanks.Read(_transport, new TpmlPcrSelection(Banks.Select(b => TpmsPcrSelection.Of(b, pcrs)).ToArray()));
        var result = new Dictionary<(TpmAlgId, int), byte[]>();
        foreach (TpmPcrBank bank in values.Banks)
            for (int i = 0; i < bank.Pcrs.Count; i++)
                result[(bank.Hash, bank.Pcrs[i])] = bank.Digests[i];
        return result;
    }

    public void Dispose() => _transport.Dispose();
}
