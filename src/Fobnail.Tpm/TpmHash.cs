using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;

namespace Fobnail.Tpm;

/// <summary>
/// The one table of the TPM hash algorithms we compute (TPM 2.0 Part 2 TPM_ALG_ID): their tpm2-tools names
/// (the CLI's and the event log's), digest sizes and Linux crypto API names (AF_ALG), and the one factory of
/// managed digests. The digests are BouncyCastle's: they run in the static binary without OpenSSL, which the
/// .NET crypto classes would load at run time.
/// </summary>
public static class TpmHash
{
    /// <summary>One hash algorithm: TPM id, tpm2-tools name, digest size, Linux crypto API name.</summary>
    public sealed record Algorithm(TpmAlgId Id, string Name, int DigestSize, string KernelName);

    /// <summary>Every algorithm we compute, in TPM_ALG_ID order.</summary>
    public static readonly IReadOnlyList<Algorithm> Algorithms =
    [
        new(TpmAlgId.Sha1, "sha1", 20, "sha1"),
        new(TpmAlgId.Sha256, "sha256", 32, "sha256"),
        new(TpmAlgId.Sha384, "sha384", 48, "sha384"),
        new(TpmAlgId.Sha512, "sha512", 64, "sha512"),
        new(TpmAlgId.Sm3_256, "sm3_256", 32, "sm3"),
    ];

    /// <summary>"sha1, sha256, sha384, sha512, sm3_256": for messages that list the accepted names.</summary>
    public static string Names => string.Join(", ", Algorithms.Select(a => a.Name));

    public static Algorithm? Find(TpmAlgId alg) => Algorithms.FirstOrDefault(a => a.Id == alg);

    /// <summary>The algorithm of a tpm2-tools name (case-insensitive), or null.</summary>
    public static Algorithm? Find(string name) => Algorithms.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Digest size in bytes of a TPM hash algorithm, or 0 if we do not implement it.</summary>
    public static int DigestSize(TpmAlgId alg) => Find(alg)?.DigestSize ?? 0;

    public static bool IsSupported(TpmAlgId alg) => Find(alg) is not null;

    /// <summary>The tpm2-tools name ("sha256"), or the id in hex for an algorithm we do not compute.</summary>
    public static string AlgorithmName(TpmAlgId alg) => Find(alg)?.Name ?? $"0x{(ushort)alg:x4}";

    /// <summary>A managed (BouncyCastle) digest of <paramref name="alg"/>.</summary>
    public static IDigest CreateDigest(TpmAlgId alg) => alg switch
    {
        TpmAlgId.Sha1 => new Sha1Digest(),
        TpmAlgId.Sha256 => new Sha256Digest(),
        TpmAlgId.Sha384 => new Sha384Digest(),
        TpmAlgId.Sha512 => new Sha512Digest(),
        TpmAlgId.Sm3_256 => new SM3Digest(),
        _ => throw new TpmException($"hash algorithm {AlgorithmName(alg)} is not supported"),
    };

    public static byte[] Compute(TpmAlgId alg, ReadOnlySpan<byte> data)
    {
        IDigest digest = CreateDigest(alg);
        digest.BlockUpdate(data);
        byte[] result = new byte[digest.GetDigestSize()];
        digest.DoFinal(result, 0);
        return result;
    }

    public static byte[] Sha256(ReadOnlySpan<byte> data) => Compute(TpmAlgId.Sha256, data);
}
