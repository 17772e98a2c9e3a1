namespace Fobnail.Tpm;

/// <summary>
/// TPM2_Sign (Part 3 §20.2) of a digest computed elsewhere. The default NULL ticket is valid for unrestricted
/// keys such as the AIK (§7.5).
/// </summary>
public sealed class Sign
{
    public const string CommandName = "TPM2_Sign";

    public required uint KeyHandle { get; init; }
    public required byte[] Digest { get; init; }
    public TpmtSigScheme InScheme { get; init; } = TpmtSigScheme.RsaSsaSha256;
    public TpmtTkHashcheck Validation { get; init; } = TpmtTkHashcheck.Null;
    public TpmAuthorization KeyAuth { get; init; } = TpmAuthorization.Password();

    public TpmtSignature Execute(ITpmTransport transport)
    {
        var p = new TpmWriter(Digest.Length + 16);
        p.WriteTpm2b(Digest);
        InScheme.Marshal(p);
        Validation.Marshal(p);
        TpmReader r = TpmCommandRunner.Run(transport, TpmCc.Sign, CommandName, [KeyHandle], [KeyAuth], p.WrittenSpan, 0).Parameters;
        TpmtSignature signature = TpmtSignature.Unmarshal(r);
        r.ExpectEnd(CommandName);
        return signature;
    }
}
