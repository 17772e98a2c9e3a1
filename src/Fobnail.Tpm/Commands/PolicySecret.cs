namespace Fobnail.Tpm;

/// <summary>
/// TPM2_PolicySecret (Part 3 §23.4) with empty nonceTPM, cpHashA and policyRef and expiration 0: proves knowledge
/// of <see cref="AuthHandle"/>'s authValue (password session) to <see cref="PolicySession"/>.
/// </summary>
public sealed class PolicySecret
{
    public const string CommandName = "TPM2_PolicySecret";

    public required uint AuthHandle { get; init; }
    public required uint PolicySession { get; init; }
    public TpmAuthorization Authorization { get; init; } = TpmAuthorization.Password();

    public void Execute(ITpmTransport transport)
    {
        var p = new TpmWriter(10);
        p.WriteTpm2b([]); // nonceTPM
        p.WriteTpm2b([]); // cpHashA
        p.WriteTpm2b([]); // policyRef
        p.WriteU32(0);    // expiration
        TpmReader r = TpmCommandRunner.Run(transport, TpmCc.PolicySecret, CommandName, [AuthHandle, PolicySession], [Authorization], p.WrittenSpan, 0).Parameters;
        r.ReadTpm2b(8, "timeout");
        r.ReadU16(); // policyTicket.tag (TPM_ST_AUTH_SECRET, or NULL ticket when expiration is 0)
        r.ReadU32();
        r.ReadTpm2b(64, "policyTicket digest");
        r.ExpectEnd(CommandName);
    }
}
