using Fobnail.Cbor;
using Fobnail.Protocol;
using Fobnail.Token.Emulator.Certificates;
using Fobnail.Token.Emulator.Crypto;
using Fobnail.Token.Emulator.Led;
using Fobnail.Token.Emulator.Storage;

namespace Fobnail.Token.Emulator.Core;

/// <summary>Token provisioning by the Platform Owner (spec §5.3; firmware server/token_provisioning).</summary>
public sealed partial class TokenCore
{
    public const int PoChainMinCerts = 2;
    public const int PoChainMaxCerts = 3;

    /// <summary>POST /api/v1/admin/token_provision: PO chain (root first) → DER PKCS#10 CSR.</summary>
    private TokenResponse TokenProvisionCertChain(RequestContext ctx)
    {
        if (ctx.Rest.Count != 0 || _tokenProvisioned) throw TokenError.NotFound();
        VerifyAccept(ctx, ContentFormats.OctetStream);
        PoCertChain chain = DecodeCbor(ctx, d => PoCertChain.Decode(d, CborConformance.CborSmol));
        _log.Information("Commencing token provisioning");
        // Certificates of an earlier attempt are dropped.
        _certs.Store.ClearVolatile();
        try
        {
            VerifyPoChain(chain.Certs);
        }
        catch (CertificateException e)
        {
            _log.Error("PO chain verification failed: {Error}", e.Message);
            throw TokenError.Forbidden();
        }
        _log.Information("Certificate chain loaded");
        byte[] csr;
        try
        {
            _identity ??= TokenIdentity.LoadOrCreate(_flash, _random);
            csr = _identity.CreateCsr(_deviceId);
        }
        catch (IOException e)
        {
            _log.Error("Failed to generate CSR: {Error}", e.Message);
            throw TokenError.Internal();
        }
        return Success(ctx, csr);
    }

    private void VerifyPoChain(IReadOnlyList<byte[]> certs)
    {
        if (certs.Count is < PoChainMinCerts or > PoChainMaxCerts)
            throw new CertificateException($"expected {PoChainMinCerts}–{PoChainMaxCerts} certificates, got {certs.Count}");
        // The PO sends its root first; it must be byte-identical to the one built into the token.
        byte[]? root = _certs.Store.PoRootDer;
        if (root == null || !certs[0].AsSpan().SequenceEqual(root))
            throw new CertificateException("received root CA does not match the PO root of this token");
        for (int i = 1; i < certs.Count; i++)
        {
            TokenCertificate c = TokenCertificate.Parse(certs[i]);
            _certs.Verify(c, VerifyMode.Po);
            _certs.Store.InjectVolatile(c);
        }
    }

    /// <summary>POST /api/v1/admin/provision_complete: the token certificate (DER) for the CSR key.</summary>
    private TokenResponse TokenProvisionComplete(RequestContext ctx)
    {
        if (ctx.Rest.Count != 0 || _tokenProvisioned) throw TokenError.NotFound();
        AssertContentFormat(ctx, ContentFormats.OctetStream);
        try
        {
            _identity ??= TokenIdentity.LoadOrCreate(_flash, _random);
        }
        catch (IOException)
        {
            throw TokenError.Internal();
        }
        try
        {
            TokenCertificate cert = TokenCertificate.Parse(ctx.Request.Payload);
            _certs.Verify(cert, VerifyMode.TokenCert);
            if (cert.RequireKey() is not CertificateKey.Ed25519 ed)
                throw new CertificateException("token certificate key is not Ed25519");
            if (!ed.PublicKey.AsSpan().SequenceEqual(_identity.PublicKey))
                throw new CertificateException("token certificate public key does not match the token key");
        }
        catch (CertificateException e)
        {
            _log.Error("Token certificate rejected: {Error}", e.Message);
            throw TokenError.Forbidden();
        }
        try
        {
            _flash.WriteFile(FlashStore.TokenCertPath, ctx.Request.Payload);
        }
        catch (IOException)
        {
            throw TokenError.Internal();
        }
        _log.Information("Token provisioning complete");
        _tokenProvisioned = true;
        Led.Control(LedState.TokenProvisioningComplete);
        Led.Control(LedState.TokenWaiting);
        return Success(ctx);
    }
}
