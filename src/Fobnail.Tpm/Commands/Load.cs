namespace Fobnail.Tpm;

public sealed record LoadResponse(uint ObjectHandle, byte[] Name);

/// <summary>TPM2_Load (Part 3 §12.2): loads a TPM2B_PRIVATE/TPM2B_PUBLIC pair under its parent; checks the returned name.</summary>
public sealed class Load
{
    public const string CommandName = "TPM2_Load";

    public required uint ParentHandle { get; init; }
    /// <summary>Marshalled TPM2B_PRIVATE, as returned by <see cref="Create"/>.</summary>
    public required byte[] InPrivate { get; init; }
    public required Tpm2bPublic InPublic { get; init; }
    public TpmAuthorization ParentAuth { get; init; } = TpmAuthorization.Password();

    public LoadResponse Execute(ITpmTransport transport)
    {
        var p = new TpmWriter(InPrivate.Length + InPublic.Bytes.Length);
        p.WriteBytes(InPrivate);
        p.WriteBytes(InPublic.Bytes);
        TpmResponse response = TpmCommandRunner.Run(transport, TpmCc.Load, CommandName, [ParentHandle], [ParentAuth], p.WrittenSpan, 1);
        byte[] name = TpmCreationOutputs.ReadName(response.Parameters, InPublic);
        response.Parameters.ExpectEnd(CommandName);
        return new LoadResponse(response.Handles[0], name);
    }
}
