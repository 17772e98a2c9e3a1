namespace Fobnail.Tpm;

/// <summary>
/// TPM2_EvictControl (Part 3 §28.5): with a transient <see cref="ObjectHandle"/> makes it persistent at
/// <see cref="PersistentHandle"/>; with a persistent ObjectHandle (equal to PersistentHandle) evicts it.
/// </summary>
public sealed class EvictControl
{
    public const string CommandName = "TPM2_EvictControl";

    public uint Auth { get; init; } = TpmRh.Owner;
    public required uint ObjectHandle { get; init; }
    public required uint PersistentHandle { get; init; }
    public TpmAuthorization AuthAuthorization { get; init; } = TpmAuthorization.Password();

    public void Execute(ITpmTransport transport)
    {
        var p = new TpmWriter(4);
        p.WriteU32(PersistentHandle);
        TpmCommandRunner.Run(transport, TpmCc.EvictControl, CommandName, [Auth, ObjectHandle], [AuthAuthorization], p.WrittenSpan, 0)
            .Parameters.ExpectEnd(CommandName);
    }
}
