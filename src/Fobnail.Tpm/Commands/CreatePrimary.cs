namespace Fobnail.Tpm;

public sealed record CreatePrimaryResponse(uint ObjectHandle, Tpm2bPublic OutPublic, byte[] Name);

/// <summary>
/// TPM2_CreatePrimary (Part 3 §24.1) with an empty TPM2B_SENSITIVE_CREATE, empty outsideInfo and no creation
/// PCRs. The returned name must equal the name computed from outPublic.
/// </summary>
public sealed class CreatePrimary
{
    public const string CommandName = "TPM2_CreatePrimary";

    public required uint PrimaryHandle { get; init; }
    public required TpmtPublic InPublic { get; init; }
    public TpmAuthorization PrimaryAuth { get; init; } = TpmAuthorization.Password();

    public CreatePrimaryResponse Execute(ITpmTransport transport)
    {
        byte[] p = TpmCreateParameters.Marshal(InPublic);
        TpmResponse response = TpmCommandRunner.Run(transport, TpmCc.CreatePrimary, CommandName, [PrimaryHandle], [PrimaryAuth], p, 1);
        TpmReader r = response.Parameters;
        Tpm2bPublic outPublic = Tpm2bPublic.Unmarshal(r);
        TpmCreationOutputs.Skip(r);
        byte[] name = TpmCreationOutputs.ReadName(r, outPublic);
        r.ExpectEnd(CommandName);
        return new CreatePrimaryResponse(response.Handles[0], outPublic, name);
    }
}
