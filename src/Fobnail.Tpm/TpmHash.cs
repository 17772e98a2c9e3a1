using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;

namespace Fobnail.Tpm;

/// <summary>
/// Software digests for TPM hash algorithms, via Portable.BouncyCastle digests (they work under NativeAOT;
/// the .NET crypto classes would pull OpenSSL into the initramfs).
/// </summary>
public static class TpmHash
{
    /// <summary>Digest size in bytes of a TPM hash algorithm, or 0 if we do not implement it.</summary>
    public static int DigestSize(TpmAlgId alg) => alg switch
    {
        TpmAlgId.Sha1 => 20,
        TpmAlgId.Sha256 => 32,
        TpmAlgId.Sm3_256 => 32,
        TpmAlgId.Sha384 => 48,
        TpmAlgId.Sha512 => 64,
        _ => 0,
    };

    public static bool IsSupported(TpmAlgId alg) => alg is TpmAlgId.Sha1 or TpmAlgId.Sha256 or TpmAlgId.Sm3_256 or TpmAlgId.Sha384 or TpmAlgId.Sha512;

    public static byte[] Compute(TpmAlgId alg, ReadOnlySpan<byte> data)
    {
        IDigest digest = alg switch
        {
            TpmAlgId.Sha1 => new Sha1Digest(),
            TpmAlgId.Sha256 => new Sha256Digest(),
            TpmAlgId.Sm3_256 => new SM3Digest(),
            TpmAlgId.Sha384 => new Sha384Digest(),
            TpmAlgId.Sha512 => new Sha512Digest(),
            _ => throw new TpmException($"hash algorithm {alg} (0x{(ushort)alg:X4}) is not supported"),
        };
        byte[] input = data.ToArray();
        digest.BlockUpdate(input, 0, input.Length);
        byte[] result = new byte[digest.GetDigestSize()];
        digest.DoFinal(result, 0);
        return result;
    }

    public static byte[] Sha256(ReadOnlySpan<byte> data) => Compute(TpmAlgId.Sha256, data);

    public static string AlgorithmName(TpmAlgId alg) => alg switch
    {
        TpmAlgId.Sha1 => "sha1",
        TpmAlgId.Sha256 => "sha256",
        TpmAlgId.Sm3_256 => "sm3_256",
        TpmAlgId.Sha384 => "sha384",
        TpmAlgId.Sha512 => "sha512",
        _ => $"0x{(ushort)alg:x4}",
    };
}
