namespace Fobnail.Tpm;

public sealed record StartAuthSessionResponse(uint SessionHandle, byte[] NonceTpm);

/// <summary>
/// TPM2_StartAuthSession (Part 3 §11.1), unsalted (tpmKey = TPM_RH_NULL) and unbound (bind = TPM_RH_NULL), with
/// symmetric NULL. The nonceCaller only has to be fresh (the TPM's nonceTPM makes the session unique) since no
/// session key is derived from it for our unsalted, unbound policy sessions; Random.Shared is enough.
/// </summary>
public sealed class StartAuthSession
{
    public const string CommandName = "TPM2_StartAuthSession";

    public TpmSe SessionType { get; init; } = TpmSe.Policy;
    public TpmAlgId AuthHash { get; init; } = TpmAlgId.Sha256;

    public StartAuthSessionResponse Execute(ITpmTransport transport)
    {
        int nonceSize = TpmHash.DigestSize(AuthHash);
        if (nonceSize == 0)
            throw new ArgumentException($"authHash {AuthHash} is not supported", nameof(AuthHash));
        byte[] nonceCaller = new byte[nonceSize];
        Random.Shared.NextBytes(nonceCaller);
        var p = new TpmWriter(64);
        p.WriteTpm2b(nonceCaller);
        p.WriteTpm2b([]); // encryptedSalt
        p.WriteU8((byte)SessionType);
        TpmtSymDefObject.Null.Marshal(p); // TPMT_SYM_DEF with algorithm NULL marshals identically
        p.WriteU16((ushort)AuthHash);
        TpmResponse response = TpmCommandRunner.Run(transport, TpmCc.StartAuthSession, CommandName, [TpmRh.Null, TpmRh.Null], [], p.WrittenSpan, 1);
        byte[] nonceTpm = response.Parameters.ReadTpm2b(64, "nonceTPM");
        response.Parameters.ExpectEnd(CommandName);
        byte type = (byte)(response.Handles[0] >> 24);
        byte expected = (byte)(SessionType == TpmSe.Hmac ? TpmHt.HmacSession : TpmHt.PolicySession);
        if (type != expected)
            throw response.Parameters.Fail($"session handle 0x{response.Handles[0]:X8} is not of type 0x{expected:X2}");
        return new StartAuthSessionResponse(response.Handles[0], nonceTpm);
    }
}
