namespace Fobnail.Tpm;

/// <summary>
/// TPM2_ActivateCredential (Part 3 §12.5): the EK (<see cref="KeyHandle"/>, policy session) decrypts the seed in
/// <see cref="Secret"/> and releases the credential in <see cref="CredentialBlob"/> only if it was made for
/// <see cref="ActivateHandle"/>'s name (the AIK, password session). Inputs are the marshalled TPM2B_ID_OBJECT and
/// TPM2B_ENCRYPTED_SECRET exactly as the token sends them (§7.4); the result is certInfo's contents.
/// </summary>
public sealed class ActivateCredential
{
    public const string CommandName = "TPM2_ActivateCredential";

    public required uint ActivateHandle { get; init; }
    public required uint KeyHandle { get; init; }
    public required byte[] CredentialBlob { get; init; }
    public required byte[] Secret { get; init; }
    public TpmAuthorization ActivateAuth { get; init; } = TpmAuthorization.Password();
    public required TpmAuthorization KeyAuth { get; init; }

    public byte[] Execute(ITpmTransport transport)
    {
        var p = new TpmWriter(CredentialBlob.Length + Secret.Length);
        p.WriteBytes(CheckTpm2b(CredentialBlob, "credentialBlob (TPM2B_ID_OBJECT)", 2 + 2 + 64 + 2 + 66));
        p.WriteBytes(CheckTpm2b(Secret, "secret (TPM2B_ENCRYPTED_SECRET)", TpmtPublic.MaxRsaKeyBytes));
        TpmReader r = TpmCommandRunner.Run(transport, TpmCc.ActivateCredential, CommandName, [ActivateHandle, KeyHandle], [ActivateAuth, KeyAuth], p.WrittenSpan, 0).Parameters;
        byte[] certInfo = r.ReadTpm2b(64, "certInfo");
        r.ExpectEnd(CommandName);
        return certInfo;
    }

    /// <summary>These come from the token (untrusted): the size prefix must describe exactly the rest.</summary>
    private static byte[] CheckTpm2b(byte[] value, string what, int maxContent)
    {
        var r = new TpmReader(value, CommandName);
        r.ReadTpm2b(maxContent, what);
        r.ExpectEnd(what);
        return value;
    }
}
