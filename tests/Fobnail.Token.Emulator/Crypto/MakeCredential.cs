using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Encodings;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;

namespace Fobnail.Token.Emulator.Crypto;

/// <summary>
/// TPM2_MakeCredential done in software by the token (spec §7.4; TPM 2.0 Part 1 §24 "Credential Protection"),
/// for an RSA-2048-style EK with an AES-128 symmetric (the TCG default EK template) and SHA-256 name algorithm.
/// </summary>
public static class MakeCredential
{
    public const int SecretSize = 32;
    public const int SeedSize = 16;  // = the EK's symmetric key size (AES-128)
    private static readonly byte[] IdentityLabel = Encoding.ASCII.GetBytes("IDENTITY\0");

    public static CredentialChallenge Create(RsaKeyParameters ekPublic, ReadOnlySpan<byte> aikName, ITokenRandom random)
    {
        byte[] secret = random.Bytes(SecretSize);
        byte[] seed = random.Bytes(SeedSize);
        return Create(ekPublic, aikName, secret, seed);
    }

    /// <summary>Core with secret and seed given (tests check the KDF/AES/HMAC parts against the TPM).</summary>
    public static CredentialChallenge Create(RsaKeyParameters ekPublic, ReadOnlySpan<byte> aikName, byte[] secret,
        byte[] seed)
    {
        // 1. The seed is protected with the EK: RSA-OAEP, SHA-256, label "IDENTITY\0" (Part 1 §B.10.3).
        var oaep = new OaepEncoding(new RsaEngine(), new Sha256Digest(), new Sha256Digest(), IdentityLabel);
        // OAEP's own padding randomness need not be reproducible, so it comes from BouncyCastle's SecureRandom.
        oaep.Init(true, new ParametersWithRandom(ekPublic, new Org.BouncyCastle.Security.SecureRandom()));
        byte[] encryptedSeed = oaep.ProcessBlock(seed, 0, seed.Length);
        int modulusBytes = (ekPublic.Modulus.BitLength + 7) / 8;
        if (encryptedSeed.Length < modulusBytes)
        {
            // Keep the fixed-width big-endian ciphertext the TPM expects.
            var padded = new byte[modulusBytes];
            encryptedSeed.CopyTo(padded, modulusBytes - encryptedSeed.Length);
            encryptedSeed = padded;
        }

        // 2. symKey = KDFa(nameAlg, seed, "STORAGE", name, "", 128): the EK's symmetric key size.
        byte[] symKey = Kdfa.Sha256(seed, "STORAGE", aikName, ReadOnlySpan<byte>.Empty, 128);
        // 3. encIdentity = CFB(symKey, IV=0, TPM2B_DIGEST(secret)).
        var credential = new byte[2 + secret.Length];
        BinaryPrimitives.WriteUInt16BigEndian(credential, (ushort)secret.Length);
        secret.CopyTo(credential, 2);
        byte[] encIdentity = AesCfb.Encrypt(symKey, new byte[16], credential);
        // 4. outerHMAC = HMAC(KDFa(nameAlg, seed, "INTEGRITY", "", "", digest bits), encIdentity ‖ name).
        byte[] hmacKey = Kdfa.Sha256(seed, "INTEGRITY", ReadOnlySpan<byte>.Empty, ReadOnlySpan<byte>.Empty, 256);
        var macInput = new byte[encIdentity.Length + aikName.Length];
        encIdentity.CopyTo(macInput, 0);
        aikName.CopyTo(macInput.AsSpan(encIdentity.Length));
        byte[] outerHmac = HMACSHA256.HashData(hmacKey, macInput);

        // TPM2B_ID_OBJECT: size ‖ TPM2B_DIGEST(integrityHMAC) ‖ encIdentity.
        int idBody = 2 + outerHmac.Length + encIdentity.Length;
        var idObject = new byte[2 + idBody];
        BinaryPrimitives.WriteUInt16BigEndian(idObject, (ushort)idBody);
        BinaryPrimitives.WriteUInt16BigEndian(idObject.AsSpan(2), (ushort)outerHmac.Length);
        outerHmac.CopyTo(idObject, 4);
        encIdentity.CopyTo(idObject, 4 + outerHmac.Length);

        var encSecret = new byte[2 + encryptedSeed.Length];
        BinaryPrimitives.WriteUInt16BigEndian(encSecret, (ushort)encryptedSeed.Length);
        encryptedSeed.CopyTo(encSecret, 2);
        return new CredentialChallenge(secret, idObject, encSecret);
    }
}
