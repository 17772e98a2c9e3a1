namespace Fobnail.Tpm;

/// <summary>
/// One TPMS_AUTH_COMMAND (TPM 2.0 Part 2 §10.13.2): the session that authorizes one handle of a command.
/// We use the password session (TPM_RS_PW, plaintext authValue in <see cref="Hmac"/>) and unsalted, unbound
/// policy sessions whose policy does not include PolicyAuthValue/PolicyPassword, so their hmac field is empty
/// and no HMAC has to be computed.
/// </summary>
public readonly record struct TpmAuthorization(uint SessionHandle, byte[] NonceCaller, TpmaSession Attributes, byte[] Hmac)
{
    /// <summary>Password authorization with the given authValue (empty by default, as for EK/AIK/hierarchies here).</summary>
    public static TpmAuthorization Password(byte[]? authValue = null) =>
        new(TpmRh.PasswordSession, [], TpmaSession.None, authValue ?? []);

    /// <summary>A policy session used for one command; it stays loaded (continueSession) until disposed.</summary>
    public static TpmAuthorization Policy(uint sessionHandle) =>
        new(sessionHandle, [], TpmaSession.ContinueSession, []);

    public void Marshal(TpmWriter writer)
    {
        writer.WriteU32(SessionHandle);
        writer.WriteTpm2b(NonceCaller);
        writer.WriteU8((byte)Attributes);
        writer.WriteTpm2b(Hmac);
    }
}
