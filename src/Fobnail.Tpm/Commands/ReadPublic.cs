namespace Fobnail.Tpm;

public sealed record ReadPublicResponse(Tpm2bPublic OutPublic, byte[] Name, byte[] QualifiedName);

/// <summary>TPM2_ReadPublic (Part 3 §12.4): needs no authorization; the returned name is checked against outPublic.</summary>
public sealed class ReadPublic
{
    public const string CommandName = "TPM2_ReadPublic";

    public required uint ObjectHandle { get; init; }

    public ReadPublicResponse Execute(ITpmTransport transport)
    {
        TpmReader r = TpmCommandRunner.Run(transport, TpmCc.ReadPublic, CommandName, [ObjectHandle], [], [], 0).Parameters;
        Tpm2bPublic outPublic = Tpm2bPublic.Unmarshal(r);
        byte[] name = TpmCreationOutputs.ReadName(r, outPublic);
        byte[] qualifiedName = r.ReadTpm2b(66, "qualifiedName");
        r.ExpectEnd(CommandName);
        return new ReadPublicResponse(outPublic, name, qualifiedName);
    }
}
