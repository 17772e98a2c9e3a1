namespace Fobnail.Tpm;

/// <summary>The two key templates the Fobnail token expects (protocol §7.1 and §7.3), exactly.</summary>
public static class TpmTemplates
{
    /// <summary>PolicySecret(TPM_RH_ENDORSEMENT) policy digest of the TCG default EK template.</summary>
    public static readonly byte[] EkAuthPolicy = Convert.FromHexString("837197674484B3F81A90CC8D46A5D724FD52D76E06520B64F2A1DA1B331469AA");

    public const TpmaObject EkAttributes = (TpmaObject)0x000300B2;
    public const TpmaObject AikAttributes = (TpmaObject)0x00060472;

    /// <summary>
    /// TCG EK Credential Profile default RSA-2048 template "L-1": fixedTPM, fixedParent, sensitiveDataOrigin,
    /// adminWithPolicy, restricted, decrypt; AES-128-CFB; unique = 256 zero bytes. Being deterministic in the
    /// endorsement hierarchy, it reproduces the key the EK certificate certifies.
    /// </summary>
    public static TpmtPublic EkRsa2048 { get; } = new(
        TpmAlgId.Rsa, TpmAlgId.Sha256, EkAttributes, EkAuthPolicy,
        new TpmsRsaParms(TpmtSymDefObject.Aes128Cfb, TpmtSigScheme.Null, 2048, 0),
        new byte[256]);

    /// <summary>
    /// The AIK: RSA-2048, nameAlg SHA-256, attributes 0x00060472 (fixedTPM, fixedParent, sensitiveDataOrigin,
    /// userWithAuth, noDA, decrypt, sign; not restricted), no policy, symmetric and scheme NULL.
    /// </summary>
    public static TpmtPublic AikRsa2048 { get; } = new(
        TpmAlgId.Rsa, TpmAlgId.Sha256, AikAttributes, [],
        new TpmsRsaParms(TpmtSymDefObject.Null, TpmtSigScheme.Null, 2048, 0),
        []);
}
