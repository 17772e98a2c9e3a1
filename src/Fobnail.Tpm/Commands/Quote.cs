namespace Fobnail.Tpm;

/// <summary>Result of TPM2_Quote: the signed TPMS_ATTEST (raw bytes and parsed) and the signature.</summary>
public sealed record QuoteResponse(TpmsAttest Quoted, TpmtSignature Signature);

/// <summary>
/// TPM2_Quote (Part 3 §18.4): signs the digest of the selected PCRs with <see cref="SignHandle"/>, qualified by
/// <see cref="QualifyingData"/> (the token's nonce, §7.6). The TPMS_ATTEST must echo our nonce and selection.
/// </summary>
public sealed class Quote
{
    public const string CommandName = "TPM2_Quote";

    public required uint SignHandle { get; init; }
    public required byte[] QualifyingData { get; init; }
    public TpmtSigScheme InScheme { get; init; } = TpmtSigScheme.RsaSsaSha256;
    public required TpmlPcrSelection PcrSelect { get; init; }
    public TpmAuthorization SignAuth { get; init; } = TpmAuthorization.Password();

    public QuoteResponse Execute(ITpmTransport transport)
    {
        var p = new TpmWriter(128);
        p.WriteTpm2b(QualifyingData);
        InScheme.Marshal(p);
        PcrSelect.Marshal(p);
        TpmReader r = TpmCommandRunner.Run(transport, TpmCc.Quote, CommandName, [SignHandle], [SignAuth], p.WrittenSpan, 0).Parameters;
        byte[] attestBytes = r.ReadTpm2b(TpmsAttest.MaxSize, "TPM2B_ATTEST");
        TpmsAttest attest = TpmsAttest.Parse(attestBytes, CommandName);
        TpmtSignature signature = TpmtSignature.Unmarshal(r);
        r.ExpectEnd(CommandName);
        if (!attest.ExtraData.AsSpan().SequenceEqual(QualifyingData))
            throw r.Fail("TPMS_ATTEST.extraData does not echo qualifyingData");
        if (!SameSelection(attest.PcrSelect, PcrSelect))
            throw r.Fail($"TPMS_QUOTE_INFO.pcrSelect {attest.PcrSelect} differs from the requested {PcrSelect}");
        return new QuoteResponse(attest, signature);
    }

    private static bool SameSelection(TpmlPcrSelection a, TpmlPcrSelection b) =>
        a.Selections.Count == b.Selections.Count
        && a.Selections.Zip(b.Selections).All(x => x.First.Hash == x.Second.Hash && x.First.Bitmap == x.Second.Bitmap);
}
