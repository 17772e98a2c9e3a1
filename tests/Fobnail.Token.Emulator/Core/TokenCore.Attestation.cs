using Fobnail.Cbor;
using System.Security.Cryptography;
using Fobnail.Protocol;
using Fobnail.Token.Emulator.Attestation;
using Fobnail.Token.Emulator.Clients;
using Fobnail.Token.Emulator.Crypto;
using Fobnail.Token.Emulator.Led;
using Fobnail.Token.Emulator.Storage;

namespace Fobnail.Token.Emulator.Core;

/// <summary>Attestation (spec §5.5; firmware server/attestation).</summary>
public sealed partial class TokenCore
{
    private TokenResponse Attest(RequestContext ctx)
    {
        if (!_tokenProvisioned) throw TokenError.NotFound();
        return ctx.Rest.Count == 0 ? StartAttestation(ctx) : VerifyAttestation(ctx);
    }

    /// <summary>POST /api/v1/attest: signed metadata → Attestation Context id + quote request (indefinite map).</summary>
    private TokenResponse StartAttestation(RequestContext ctx)
    {
        AssertContentFormat(ctx, ContentFormats.Cbor);
        VerifyAccept(ctx, ContentFormats.Cbor);
        byte[] nonce = ctx.Client.Nonce ?? throw TokenError.Forbidden();
        ctx.Client.Nonce = null;

        SignedObject outer;
        try
        {
            outer = SignedObject.Decode(ctx.Request.Payload, CborConformance.CborSmol);
        }
        catch (ProtocolDecodeException e)
        {
            _log.Error("Failed to deserialize signed object (outer): {Error}", e.Message);
            throw TokenError.BadRequest("Invalid CBOR");
        }
        if (outer.Data.Length > MaxMetadataSize)
        {
            _log.Warning("FIRMWARE DIFFERENCE: metadata of {Size} bytes exceeds {Max}; the real token would panic " +
                "hashing it. The emulator rejects it.", outer.Data.Length, MaxMetadataSize);
            throw TokenError.BadRequest("Invalid CBOR");
        }
        byte[] hash = SHA256.HashData(outer.Data);

        AikPublicKey aik;
        try
        {
            byte[] stored = _flash.ReadFile(FlashStore.AikPath(hash)) ?? throw TokenError.NotFound();
            aik = AikPublicKey.Decode(stored);
        }
        catch (ProtocolDecodeException)
        {
            _log.Error("AIK is corrupted, please re-provision your platform");
            throw TokenError.NotFound();
        }
        catch (TokenError)
        {
            _log.Error("Failed to load AIK (is the platform provisioned?)");
            throw;
        }
        (Metadata meta, _) = DecodeSigned(ctx, aik, nonce, d => Metadata.Decode(d, CborConformance.CborSmol));
        _log.Information("Attesting platform: MAC {Mac}, {Manufacturer} / {Product} / {Serial}",
            Convert.ToHexString(meta.Mac), meta.Manufacturer, meta.ProductName, meta.SerialNumber);
        byte[] rim = _flash.ReadFile(FlashStore.RimPath(hash)) ?? throw TokenError.NotFound();

        byte[] quoteNonce = _random.Bytes(NonceSize);
        byte[] payload = new QuoteRequest(quoteNonce, DefaultPolicy.Banks).Encode();
        TokenResponse response = CreateObject(ctx, ctx.Client.AttestationContexts,
            new AttestationContext(rim, quoteNonce, aik, hash));
        return response with { ContentFormat = ContentFormats.Cbor, Payload = payload };
    }

    /// <summary>POST /api/v1/attest/{ac}: signed TPMS_ATTEST → 2.04 (trusted, FTS granted) or 4.03.</summary>
    private TokenResponse VerifyAttestation(RequestContext ctx)
    {
        if (!TryParseId(ctx.Rest[0], out uint acId) || ctx.Rest.Count != 1) throw TokenError.NotFound();
        AssertContentFormat(ctx, ContentFormats.Cbor);
        if (!ctx.Client.AttestationContexts.TryGetValue(acId, out AttestationContext? ac)) throw TokenError.NotFound();

        string? failure;
        try
        {
            failure = EvidenceVerifier.Verify(ctx.Request.Payload, ac.Rim, ac.QuoteNonce, ac.Aik, DefaultPolicy.Banks);
        }
        catch (StoredRimCorruptException e)
        {
            _log.Error("RIM is corrupted, please re-provision your platform: {Error}", e.Message);
            Led.Control(LedState.AttestationFailed);
            Led.Control(LedState.TokenWaiting);
            throw TokenError.Internal();
        }
        if (failure != null)
        {
            // The AC stays: the same AC and nonce can be retried (spec §5.5).
            _log.Error("Attestation failed: {Reason}", failure);
            Led.Control(LedState.AttestationFailed);
            Led.Control(LedState.TokenWaiting);
            throw TokenError.Forbidden();
        }
        _log.Information("Attestation successful");
        ctx.Client.AttestationContexts.Remove(acId);
        ctx.Client.Platform = ac.MetadataHash;
        _firmwareFtsCounter++;
        Led.Control(LedState.AttestationOk);
        return Success(ctx, code: ResponseCode.Changed);
    }
}
