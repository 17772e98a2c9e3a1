namespace Fobnail.Tpm;

/// <summary>
/// TPM2_PCR_Extend (Part 3 §22.2): extends one PCR in every bank given in <see cref="Digests"/>
/// (TPML_DIGEST_VALUES). PCRs 0-15 need no auth beyond the empty password.
/// </summary>
public sealed class PcrExtend
{
    public const string CommandName = "TPM2_PCR_Extend";

    public required int PcrHandle { get; init; }
    public required IReadOnlyList<TpmtHa> Digests { get; init; }
    public TpmAuthorization PcrAuth { get; init; } = TpmAuthorization.Password();

    public void Execute(ITpmTransport transport)
    {
        if (PcrHandle is < 0 or > 31)
            throw new ArgumentOutOfRangeException(nameof(PcrHandle), "PCR handles are 0..31");
        var p = new TpmWriter(128);
        p.WriteU32((uint)Digests.Count);
        foreach (TpmtHa digest in Digests)
            digest.Marshal(p);
        TpmReader r = TpmCommandRunner.Run(transport, TpmCc.PCR_Extend, CommandName, [(uint)PcrHandle], [PcrAuth], p.WrittenSpan, 0).Parameters;
        r.ExpectEnd(CommandName);
    }
}
