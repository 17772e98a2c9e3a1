using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;

namespace Fobnail.Token.Emulator.Certificates;

/// <summary>A certificate's subject public key as the token understands it: RSA or Ed25519, nothing else.</summary>
public abstract record CertificateKey
{
    private CertificateKey() { }

    /// <summary>
    /// RSA key. <see cref="Exponent"/> is what the firmware derives: the DER INTEGER's bytes read
    /// little-endian (spec §7.2 quirk), which is only right for palindromic exponents such as 3 and 65537.
    /// </summary>
    public sealed record Rsa(BigInteger Modulus, BigInteger Exponent) : CertificateKey
    {
        public RsaKeyParameters Parameters => new(false, Modulus, Exponent);
    }

    public sealed record Ed25519(byte[] PublicKey) : CertificateKey;
}
