using Fobnail.Token.Emulator.Storage;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;

namespace Fobnail.Token.Emulator.Crypto;

/// <summary>
/// The token's Ed25519 identity key (Trussed key named "token", generated once and kept in flash) and the
/// PKCS#10 CSR it answers token provisioning with (spec §5.3).
/// </summary>
public sealed class TokenIdentity
{
    private readonly Ed25519PrivateKeyParameters _private;

    private TokenIdentity(Ed25519PrivateKeyParameters key) => _private = key;

    public byte[] PublicKey => _private.GeneratePublicKey().GetEncoded();

    public Ed25519PrivateKeyParameters PrivateKey => _private;

    /// <summary>Loads the key from flash, generating and storing it on first use (never regenerated).</summary>
    public static TokenIdentity LoadOrCreate(FlashStore flash, ITokenRandom random)
    {
        byte[]? seed = flash.ReadFile(FlashStore.TokenKeyPath);
        if (seed == null || seed.Length != Ed25519PrivateKeyParameters.KeySize)
        {
            seed = random.Bytes(Ed25519PrivateKeyParameters.KeySize);
            flash.WriteFile(FlashStore.TokenKeyPath, seed);
        }
        return new TokenIdentity(new Ed25519PrivateKeyParameters(seed, 0));
    }

    /// <summary>
    /// DER PKCS#10 request: Ed25519 key (OID 1.3.101.112), subject O=Fobnail (UTF8String) then
    /// serialNumber=&lt;device id&gt; (PrintableString), each RDN in its own SET.
    /// </summary>
    public byte[] CreateCsr(string deviceId)
    {
        var subject = new X509Name(
            new List<DerObjectIdentifier> { X509Name.O, X509Name.SerialNumber },
            new List<string> { "Fobnail", deviceId });
        var publicKey = _private.GeneratePublicKey();
        var csr = new Pkcs10CertificationRequest(new Org.BouncyCastle.Crypto.Operators.Asn1SignatureFactory("Ed25519", _private), subject, publicKey, null);
        return csr.GetDerEncoded();
    }
}
