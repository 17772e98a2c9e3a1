using Fobnail.Token.Emulator.Crypto;
using Fobnail.Token.Emulator.Storage;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Parameters;

namespace Fobnail.Token.Emulator.Owner;

/// <summary>
/// A self-made Platform Owner (for --provisioned): an Ed25519 PO root and issuing CA kept in &lt;state&gt;/owner/,
/// used to issue the token certificate as a real PO tool would through token_provision/provision_complete.
/// </summary>
public sealed class OwnerChain
{
    private const string Dir = "owner";

    private OwnerChain(byte[] rootDer, byte[] caDer, Ed25519PrivateKeyParameters caKey)
    {
        RootDer = rootDer;
        CaDer = caDer;
        CaKey = caKey;
    }

    public byte[] RootDer { get; }
    public byte[] CaDer { get; }
    public Ed25519PrivateKeyParameters CaKey { get; }

    /// <summary>Loads the owner chain from the state directory, creating it on first use.</summary>
    public static OwnerChain LoadOrCreate(FlashStore flash, ITokenRandom random)
    {
        byte[]? root = flash.ReadFile($"{Dir}/po_root.der");
        byte[]? ca = flash.ReadFile($"{Dir}/po_ca.der");
        byte[]? caSeed = flash.ReadFile($"{Dir}/po_ca.key");
        if (root != null && ca != null && caSeed is { Length: 32 })
            return new OwnerChain(root, ca, new Ed25519PrivateKeyParameters(caSeed, 0));

        var rootKey = new Ed25519PrivateKeyParameters(random.Bytes(32), 0);
        var caKey = new Ed25519PrivateKeyParameters(random.Bytes(32), 0);
        const string rootName = "O=Fobnail Emulator Owner,CN=Platform Owner Root";
        const string caName = "O=Fobnail Emulator Owner,CN=Platform Owner Issuing CA";
        root = CertificateFactory.Issue(rootName, rootKey.GeneratePublicKey(), rootName, rootKey,
            rootKey.GeneratePublicKey(), new CertificateFactory.Options { Ca = true, KeyUsage = KeyUsage.KeyCertSign });
        ca = CertificateFactory.Issue(caName, caKey.GeneratePublicKey(), rootName, rootKey, rootKey.GeneratePublicKey(),
            new CertificateFactory.Options { Ca = true, PathLen = 0, KeyUsage = KeyUsage.KeyCertSign });
        flash.WriteFile($"{Dir}/po_root.der", root);
        flash.WriteFile($"{Dir}/po_root.key", rootKey.GetEncoded());
        flash.WriteFile($"{Dir}/po_ca.der", ca);
        flash.WriteFile($"{Dir}/po_ca.key", caKey.GetEncoded());
        return new OwnerChain(root, ca, caKey);
    }

    /// <summary>The certificate a PO tool would issue for the token's CSR key.</summary>
    public byte[] IssueTokenCertificate(byte[] tokenPublicKey, string deviceId)
    {
        var subject = $"O=Fobnail,SERIALNUMBER={deviceId}";
        var caPublic = CaKey.GeneratePublicKey();
        var caCert = new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(CaDer);
        return CertificateFactory.Issue(subject, new Ed25519PublicKeyParameters(tokenPublicKey, 0),
            caCert.SubjectDN.ToString(), CaKey, caPublic,
            new CertificateFactory.Options { Ca = false, KeyUsage = KeyUsage.DigitalSignature });
    }

    /// <summary>
    /// Makes the token "already provisioned by its owner": creates the owner chain and, unless the token has a
    /// certificate already, stores one for the token's identity key. Returns the PO root the token trusts.
    /// </summary>
    public static byte[] EnsureTokenProvisioned(FlashStore flash, ITokenRandom random, string deviceId)
    {
        OwnerChain owner = LoadOrCreate(flash, random);
        if (!flash.Exists(FlashStore.TokenCertPath))
        {
            TokenIdentity identity = TokenIdentity.LoadOrCreate(flash, random);
            flash.WriteFile(FlashStore.TokenCertPath, owner.IssueTokenCertificate(identity.PublicKey, deviceId));
        }
        return owner.RootDer;
    }
}
