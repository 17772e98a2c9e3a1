using Fobnail.Protocol;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;

namespace Fobnail.Token.Emulator.Crypto;

/// <summary>
/// Signed objects (spec §5.0): RSASSA-PKCS1-v1_5 with SHA-256 over data ‖ nonce, with the raw big-endian
/// signature the TPM outputs. The nonce is empty for quotes.
/// </summary>
public static class SignedObjectVerifier
{
    /// <summary>Decodes the outer object (strict CBOR) and returns its inner data if the signature verifies, else null.</summary>
    /// <exception cref="ProtocolDecodeException">The outer object is not a valid signed object.</exception>
    public static byte[]? VerifyAndGetData(ReadOnlyMemory<byte> payload, AikPublicKey key, ReadOnlySpan<byte> nonce)
    {
        SignedObject signed = SignedObject.Decode(payload);
        return Verify(signed.Data, signed.Signature, key, nonce) ? signed.Data : null;
    }

    public static bool Verify(byte[] data, byte[] signature, AikPublicKey key, ReadOnlySpan<byte> nonce)
    {
        // The rsa crate refuses signatures whose length differs from the modulus size.
        if (signature.Length != key.N.Length) return false;
        var signer = new RsaDigestSigner(new Sha256Digest());
        signer.Init(false, new RsaKeyParameters(false, new BigInteger(1, key.N), BigInteger.ValueOf(key.E)));
        signer.BlockUpdate(data, 0, data.Length);
        byte[] n = nonce.ToArray();
        signer.BlockUpdate(n, 0, n.Length);
        try
        {
            return signer.VerifySignature(signature);
        }
        catch (Org.BouncyCastle.Crypto.DataLengthException)
        {
            return false;  // signature value ≥ modulus
        }
    }
}
