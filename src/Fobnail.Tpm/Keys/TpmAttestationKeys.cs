using Serilog;

namespace Fobnail.Tpm;

/// <summary>
/// The EK/AIK lifecycle of the Fobnail protocol (§7.1, §7.3) and the operations the attester flows run with the
/// AIK: Quote (§7.6), Sign (§7.5) and ActivateCredential (§7.4). Persisted objects are reused when their
/// public area matches the template; otherwise they are replaced only if <c>allowCreate</c> is true.
/// </summary>
public sealed class TpmAttestationKeys
{
    private readonly ITpmTransport _transport;
    private readonly ILogger _log;

    public TpmAttestationKeys(ITpmTransport transport, ILogger? log = null)
    {
        _transport = transport;
        _log = log ?? Serilog.Core.Logger.None;
    }

    /// <summary>Is <paramref name="handle"/> a loaded persistent object?</summary>
    public bool IsPersisted(uint handle)
    {
        GetCapabilityResponse r = new GetCapability { Capability = TpmCap.Handles, Property = handle, PropertyCount = 1 }.Execute(_transport);
        return r.Handles!.Contains(handle);
    }

    /// <summary>Ensures the EK is persisted at 0x8100F0BE (TCG default RSA-2048 template).</summary>
    public TpmKey EnsureEk(bool allowCreate)
    {
        TpmKey? existing = ReadMatching(TpmRh.FobnailEk, TpmTemplates.EkRsa2048, allowCreate);
        if (existing is not null)
            return existing;
        _log.Information("creating the EK (TCG default RSA-2048 template) and persisting it at 0x{Handle:X8}", TpmRh.FobnailEk);
        CreatePrimaryResponse created = new CreatePrimary { PrimaryHandle = TpmRh.Endorsement, InPublic = TpmTemplates.EkRsa2048 }.Execute(_transport);
        try
        {
            new EvictControl { ObjectHandle = created.ObjectHandle, PersistentHandle = TpmRh.FobnailEk }.Execute(_transport);
        }
        finally
        {
            new FlushContext { FlushHandle = created.ObjectHandle }.Execute(_transport);
        }
        return new TpmKey(TpmRh.FobnailEk, created.OutPublic, true);
    }

    /// <summary>Ensures the AIK is persisted at 0x8100F0BA, a child of the EK (creating the EK too if needed and allowed).</summary>
    public TpmKey EnsureAik(bool allowCreate)
    {
        TpmKey? existing = ReadMatching(TpmRh.FobnailAik, TpmTemplates.AikRsa2048, allowCreate);
        if (existing is not null)
            return existing;
        EnsureEk(allowCreate);
        _log.Information("creating the AIK under the EK and persisting it at 0x{Handle:X8}", TpmRh.FobnailAik);
        CreateResponse created;
        using (var session = TpmPolicySession.ForEndorsement(_transport, _log))
            created = new Create { ParentHandle = TpmRh.FobnailEk, InPublic = TpmTemplates.AikRsa2048, ParentAuth = session.Authorization }.Execute(_transport);
        LoadResponse loaded;
        using (var session = TpmPolicySession.ForEndorsement(_transport, _log))
            loaded = new Load { ParentHandle = TpmRh.FobnailEk, InPrivate = created.OutPrivate, InPublic = created.OutPublic, ParentAuth = session.Authorization }.Execute(_transport);
        try
        {
            new EvictControl { ObjectHandle = loaded.ObjectHandle, PersistentHandle = TpmRh.FobnailAik }.Execute(_transport);
        }
        finally
        {
            new FlushContext { FlushHandle = loaded.ObjectHandle }.Execute(_transport);
        }
        return new TpmKey(TpmRh.FobnailAik, created.OutPublic, true);
    }

    /// <summary>Removes a persisted object (used when its public area is wrong and recreation is allowed).</summary>
    public void Evict(uint persistentHandle) =>
        new EvictControl { ObjectHandle = persistentHandle, PersistentHandle = persistentHandle }.Execute(_transport);

    /// <summary>TPM2_Quote with the AIK, RSASSA-SHA256 (§7.6).</summary>
    public QuoteResponse Quote(byte[] qualifyingData, TpmlPcrSelection selection) =>
        new Quote { SignHandle = TpmRh.FobnailAik, QualifyingData = qualifyingData, PcrSelect = selection }.Execute(_transport);

    /// <summary>RSASSA-SHA256 signature by the AIK over <paramref name="digest"/> (a SHA-256 digest), NULL ticket (§7.5).</summary>
    public byte[] Sign(byte[] digest)
    {
        if (digest.Length != 32)
            throw new ArgumentException("the AIK signs SHA-256 digests (32 bytes)", nameof(digest));
        return new Sign { KeyHandle = TpmRh.FobnailAik, Digest = digest }.Execute(_transport).Signature;
    }

    /// <summary>Signs <paramref name="message"/> as the token verifies it: RSASSA-PKCS1-v1_5 over SHA-256(message) (§7.5).</summary>
    public byte[] SignMessage(ReadOnlySpan<byte> message) => Sign(TpmHash.Sha256(message));

    /// <summary>
    /// TPM2_ActivateCredential(AIK, EK) on the token's challenge (§7.4): <paramref name="idObject"/> is the
    /// marshalled TPM2B_ID_OBJECT, <paramref name="encSecret"/> the marshalled TPM2B_ENCRYPTED_SECRET. Returns
    /// the 32-byte secret.
    /// </summary>
    public byte[] ActivateCredential(byte[] idObject, byte[] encSecret)
    {
        using var session = TpmPolicySession.ForEndorsement(_transport, _log);
        return new ActivateCredential
        {
            ActivateHandle = TpmRh.FobnailAik,
            KeyHandle = TpmRh.FobnailEk,
            CredentialBlob = idObject,
            Secret = encSecret,
            KeyAuth = session.Authorization,
        }.Execute(_transport);
    }

    private TpmKey? ReadMatching(uint handle, TpmtPublic template, bool allowCreate)
    {
        if (!IsPersisted(handle))
        {
            if (!allowCreate)
                throw new TpmException($"no object at 0x{handle:X8} and creating keys is not allowed");
            return null;
        }
        Tpm2bPublic current = new ReadPublic { ObjectHandle = handle }.Execute(_transport).OutPublic;
        if (current.PublicArea.MatchesTemplate(template))
        {
            _log.Debug("reusing the persisted object at 0x{Handle:X8}", handle);
            return new TpmKey(handle, current, false);
        }
        if (!allowCreate)
            throw new TpmException($"the object at 0x{handle:X8} does not match the expected template (attributes 0x{(uint)current.PublicArea.ObjectAttributes:X8}) and recreating keys is not allowed");
        _log.Warning("the object at 0x{Handle:X8} does not match the expected template (attributes 0x{Attributes:X8}); evicting and recreating it",
            handle, (uint)current.PublicArea.ObjectAttributes);
        Evict(handle);
        return null;
    }
}
