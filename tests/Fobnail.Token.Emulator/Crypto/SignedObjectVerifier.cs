using System.Security.Cryptography;
using Fobnail.Cbor;
using Fobnail.Protocol;
using Org.BouncyCastle.Crypto.Digests;
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
        SignedObject signed = SignedObject.Decode(payload, CborConformance.CborSmol);
        return Verify(signed.Data, signed.Signature, key, nonce) ? signed.Data : null;
    }

    /// <summary>DigestInfo prefix of SHA-256 (RFC 8017 §9.2 note 1), as rsa 0.5's hash_info gives it.</summary>
    private static readonly byte[] Sha256Prefix =
        [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20];

    /// <summary>
    /// RSASSA-PKCS1-v1_5 verification as rsa 0.5's <c>pkcs1v15::verify</c> does it (src/pkcs1v15.rs:97-127,
    /// src/raw.rs:26-41): the signature is read as a number of any length and raised to e mod n, so neither its
    /// length nor "below the modulus" is checked; a signature with extra leading zero bytes, one without its
    /// leading zero, or s + n verifies on the token. EM must then be exactly 00 01 FF… 00 DigestInfo hash.
    /// </summary>
    public static bool Verify(byte[] data, byte[] signature, AikPublicKey key, ReadOnlySpan<byte> nonce)
    {
        var modulus = new BigInteger(1, key.N);
        int k = key.N.Length;
        int tLen = Sha256Prefix.Length + 32;
        if (modulus.SignValue <= 0 || k < tLen + 11) return false;
        byte[] c = new BigInteger(1, signature).ModPow(BigInteger.ValueOf(key.E), modulus).ToByteArrayUnsigned();
        if (c.Length > k) return false;
        byte[] em = new byte[k];
        c.CopyTo(em, k - c.Length);

        var digest = new Sha256Digest();
        digest.BlockUpdate(data, 0, data.Length);
        byte[] n = nonce.ToArray();
        digest.BlockUpdate(n, 0, n.Length);
        byte[] hash = new byte[32];
        digest.DoFinal(hash, 0);

        byte[] expected = new byte[k];
        expected[1] = 0x01;
        expected.AsSpan(2, k - tLen - 3).Fill(0xFF);
        Sha256Prefix.CopyTo(expected, k - tLen);
        hash.CopyTo(expected, k - 32);
        return CryptographicOperations.FixedTimeEquals(em, expected);
    }
}
