namespace Fobnail.Tpm;

public sealed record CreateResponse(byte[] OutPrivate, Tpm2bPublic OutPublic);

/// <summary>
/// TPM2_Create (Part 3 §12.1): creates an ordinary object under <see cref="ParentHandle"/> (the EK for the AIK,
/// authorized by the EK policy session) with an empty sensitive area, outsideInfo and creation PCRs.
/// <see cref="CreateResponse.OutPrivate"/> is the whole marshalled TPM2B_PRIVATE, ready for TPM2_Load.
/// </summary>
public sealed class Create
{
    public const string CommandName = "TPM2_Create";
    public const int MaxPrivateSize = 1024;

    public required uint ParentHandle { get; init; }
    public required TpmtPublic InPublic { get; init; }
    public TpmAuthorization ParentAuth { get; init; } = TpmAuthorization.Password();

    public CreateResponse Execute(ITpmTransport transport)
    {
        byte[] p = TpmCreateParameters.Marshal(InPublic);
        TpmReader r = TpmCommandRunner.Run(transport, TpmCc.Create, CommandName, [ParentHandle], [ParentAuth], p, 0).Parameters;
        byte[] outPrivate = r.ReadTpm2b(MaxPrivateSize, "TPM2B_PRIVATE");
        var privateWriter = new TpmWriter(outPrivate.Length + 2);
        privateWriter.WriteTpm2b(outPrivate);
        Tpm2bPublic outPublic = Tpm2bPublic.Unmarshal(r);
        TpmCreationOutputs.Skip(r);
        r.ExpectEnd(CommandName);
        return new CreateResponse(privateWriter.ToArray(), outPublic);
    }
}
