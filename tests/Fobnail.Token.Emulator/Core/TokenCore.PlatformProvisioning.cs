using Fobnail.Cbor;
using System.Security.Cryptography;
using Fobnail.Protocol;
using Fobnail.Token.Emulator.Certificates;
using Fobnail.Token.Emulator.Clients;
using Fobnail.Token.Emulator.Crypto;
using Fobnail.Token.Emulator.Led;
using Fobnail.Token.Emulator.Storage;
using Fobnail.Token.Emulator.Tpm;

namespace Fobnail.Token.Emulator.Core;

/// <summary>Platform provisioning (spec §5.4; firmware server/provisioning).</summary>
public sealed partial class TokenCore
{
    public const int EkChainMinCerts = 1;
    public const int EkChainMaxCerts = 2;
    /// <summary>The firmware serialises the aik challenge into a 512-byte buffer.</summary>
    public const int MaxChallengeSize = 512;
    /// <summary>The firmware hashes metadata through a 1024-byte Trussed message and would panic above it.</summary>
    public const int MaxMetadataSize = 1024;

    /// <summary>POST /api/v1/admin/provision/ek: EK chain (root excluded, EK last) → EK id.</summary>
    private TokenResponse ProcessEk(RequestContext ctx)
    {
        if (ctx.Rest.Count != 0 || !_tokenProvisioned) throw TokenError.NotFound();
        EkCertChain chain = DecodeCbor(ctx, d => EkCertChain.Decode(d, CborConformance.CborSmol));
        TokenCertificate ek;
        try
        {
            ek = VerifyEkChain(chain.Certs);
        }
        catch (CertificateException e)
        {
            _log.Error("EK certificate verification failed: {Error}", e.Message);
            throw TokenError.Forbidden();
        }
        finally
        {
            _certs.Store.ClearVolatile();
        }
        _log.Information("EK certificate accepted: {Subject}", ek.Subject);
        return CreateObject(ctx, ctx.Client.EkCertificates, ek);
    }

    /// <summary>Element 0 first (Normal mode), each injected as a temporary issuer; the last in EK mode.</summary>
    private TokenCertificate VerifyEkChain(IReadOnlyList<byte[]> certs)
    {
        if (certs.Count is < EkChainMinCerts or > EkChainMaxCerts)
            throw new CertificateException($"expected {EkChainMinCerts}–{EkChainMaxCerts} certificates, got {certs.Count}");
        for (int i = 0; ; i++)
        {
            TokenCertificate c = TokenCertificate.Parse(certs[i]);
            bool leaf = i == certs.Count - 1;
            _certs.Verify(c, leaf ? VerifyMode.Ek : VerifyMode.Normal);
            if (leaf) return c;
            _certs.Store.InjectVolatile(c);
        }
    }

    /// <summary>POST /api/v1/admin/provision/aik: AIK TPM2B_PUBLIC + EK id → AIK id and MakeCredential challenge.</summary>
    private TokenResponse ProcessAik(RequestContext ctx)
    {
        if (ctx.Rest.Count != 0 || !_tokenProvisioned) throw TokenError.NotFound();
        VerifyAccept(ctx, ContentFormats.Cbor);
        AikRequest req = DecodeCbor(ctx, d => AikRequest.Decode(d, CborConformance.CborSmol));
        if (!ctx.Client.EkCertificates.TryGetValue(req.Ek, out TokenCertificate? ekCert)) throw TokenError.NotFound();

        AikPublic aik;
        CredentialChallenge challenge;
        try
        {
            aik = AikPublic.Parse(req.Aik);
            if (ekCert.RequireKey() is not CertificateKey.Rsa ekKey)
                throw new CertificateException("EK is not an RSA key");
            challenge = MakeCredential.Create(ekKey.Parameters, aik.Name, _random);
        }
        catch (Exception e) when (e is TpmParseException or CertificateException or Org.BouncyCastle.Crypto.CryptoException)
        {
            _log.Error("AIK verification failed (stage 1): {Error}", e.Message);
            throw TokenError.Forbidden();
        }
        byte[] payload = new AikChallenge(challenge.IdObject, challenge.EncSecret).Encode();
        if (payload.Length > MaxChallengeSize)
        {
            _log.Error("Challenge of {Size} bytes does not fit the firmware's {Max}-byte buffer (EK too large)",
                payload.Length, MaxChallengeSize);
            throw TokenError.Forbidden();
        }
        // tpm::aik::load → RsaKey::load → rsa 0.5's RsaPublicKey::new, whose check_public refuses an exponent
        // below 2 or above 2^30 (rsa src/key.rs:21-22, 514-524; fobnail src/server/provisioning/mod.rs:135-138).
        if (aik.Exponent is < 2 or > 1u << 30)
        {
            _log.Error("Failed to load AIK: public exponent {Exponent} is outside 2..2^30", aik.Exponent);
            throw TokenError.Forbidden();
        }
        TokenResponse response = CreateObject(ctx, ctx.Client.AikKeys, new AikObject(aik, challenge.Secret, req.Ek));
        return response with { ContentFormat = ContentFormats.Cbor, Payload = payload };
    }

    /// <summary>POST /api/v1/admin/provision[/{pc}[/meta|/rim]] (firmware main_handler).</summary>
    private TokenResponse ProvisionMain(RequestContext ctx)
    {
        if (!_tokenProvisioned) throw TokenError.NotFound();
        if (ctx.Rest.Count == 0) return CredentialActivation(ctx);
        if (!TryParseId(ctx.Rest[0], out uint pcId)) throw TokenError.NotFound();
        string? endpoint = ctx.Rest.Count > 1 ? ctx.Rest[1] : null;

        // The nonce is taken before the PC lookup, so even a 4.04 burns it (spec §5.4d, §10 #10).
        byte[]? nonce = ctx.Client.Nonce;
        ctx.Client.Nonce = null;
        if (!ctx.Client.ProvisioningContexts.TryGetValue(pcId, out ProvisioningContext? pc)) throw TokenError.NotFound();
        switch (endpoint)
        {
            case "meta": return ProcessMeta(ctx, pc, nonce ?? throw TokenError.Forbidden());
            case "rim": return ProcessRim(ctx, pc, nonce ?? throw TokenError.Forbidden());
            case null:
                try
                {
                    return CompleteProvisioning(ctx, pc);
                }
                finally
                {
                    // The context is not needed any more, whatever the result.
                    ctx.Client.ProvisioningContexts.Remove(pcId);
                }
            default: throw TokenError.NotFound();
        }
    }

    /// <summary>Credential activation result: EK and AIK objects are removed before anything is checked.</summary>
    private TokenResponse CredentialActivation(RequestContext ctx)
    {
        ProvisionRequest req = DecodeCbor(ctx, d => ProvisionRequest.Decode(d, CborConformance.CborSmol));
        if (!ctx.Client.EkCertificates.Remove(req.Ek))
        {
            _log.Error("EKid {Id} not found", req.Ek);
            throw TokenError.NotFound();
        }
        if (!ctx.Client.AikKeys.Remove(req.Aik, out AikObject? aik))
        {
            _log.Error("AIKid {Id} not found", req.Aik);
            throw TokenError.NotFound();
        }
        if (aik.EkId != req.Ek || !CryptographicOperations.FixedTimeEquals(aik.Secret, req.Secret))
        {
            _log.Error("Attester has failed Credential Activation");
            throw TokenError.Forbidden();
        }
        return CreateObject(ctx, ctx.Client.ProvisioningContexts, new ProvisioningContext(aik.Aik));
    }

    private static AikPublicKey PersistentKey(AikPublic aik) => new(aik.Modulus, aik.Exponent);

    private TokenResponse ProcessMeta(RequestContext ctx, ProvisioningContext pc, byte[] nonce)
    {
        (Metadata meta, byte[] raw) = DecodeSigned(ctx, PersistentKey(pc.Aik), nonce, d => Metadata.Decode(d, CborConformance.CborSmol));
        if (meta.Version != Metadata.CurrentVersion) throw TokenError.BadRequest("Unsupported metadata version");
        if (meta.Manufacturer.Length == 0) throw TokenError.BadRequest("Manufacturer is missing");
        if (meta.ProductName.Length == 0) throw TokenError.BadRequest("Product name is missing");
        if (meta.SerialNumber.Length == 0) throw TokenError.BadRequest("Serial is missing");
        if (raw.Length > MaxMetadataSize)
        {
            _log.Warning("FIRMWARE DIFFERENCE: metadata of {Size} bytes exceeds {Max}; the real token would accept it " +
                "here and panic when hashing it at commit or /attest. The emulator rejects it now.", raw.Length, MaxMetadataSize);
            throw TokenError.BadRequest("Metadata too big");
        }
        _log.Information("Received attester metadata: MAC {Mac}, {Manufacturer} / {Product} / {Serial}",
            Convert.ToHexString(meta.Mac), meta.Manufacturer, meta.ProductName, meta.SerialNumber);
        bool replaced = pc.Metadata != null;
        pc.Metadata = raw;
        return Success(ctx, code: replaced ? ResponseCode.Changed : null);
    }

    private TokenResponse ProcessRim(RequestContext ctx, ProvisioningContext pc, byte[] nonce)
    {
        (Rim rim, byte[] raw) = DecodeSigned(ctx, PersistentKey(pc.Aik), nonce, d => Rim.Decode(d, CborConformance.CborSmol));
        if (!rim.IsConsistent) throw TokenError.BadRequest("Invalid RIM");
        if (raw.Length > FlashStore.MaxFileLength) throw TokenError.BadRequest("RIM too big");
        foreach (PcrBank bank in rim.Banks)
            _log.Information("RIM bank 0x{AlgoId:X4}: PCR bitmap 0x{Pcrs:X8}", bank.AlgoId, bank.Pcrs);
        bool replaced = pc.Rim != null;
        pc.Rim = raw;
        return Success(ctx, code: replaced ? ResponseCode.Changed : null);
    }

    /// <summary>Commit: store /meta/&lt;H&gt;_aik and /meta/&lt;H&gt;, refusing a platform that is already there.</summary>
    private TokenResponse CompleteProvisioning(RequestContext ctx, ProvisioningContext pc)
    {
        if (pc.Metadata == null || pc.Rim == null)
        {
            _log.Error("Provisioning Context is not complete");
            throw TokenError.Forbidden();
        }
        byte[] hash = SHA256.HashData(pc.Metadata);
        if (_flash.Exists(FlashStore.RimPath(hash)))
        {
            _log.Error("{Hash} is already provisioned; refusing to re-provision", FlashStore.Hex(hash));
            throw TokenError.Forbidden();
        }
        try
        {
            _flash.WriteFile(FlashStore.AikPath(hash), PersistentKey(pc.Aik).Encode());
            _flash.WriteFile(FlashStore.RimPath(hash), pc.Rim);
        }
        catch (IOException e)
        {
            _log.Error("Failed to store the platform: {Error}", e.Message);
            throw TokenError.Internal();
        }
        _log.Information("Wrote /{Path}; provisioning is complete", FlashStore.RimPath(hash));
        Led.Control(LedState.PlatformProvisioningOk);
        Led.Control(LedState.TokenWaiting);
        return Success(ctx, code: ResponseCode.Changed);
    }
}
