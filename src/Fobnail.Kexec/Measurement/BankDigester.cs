using Fobnail.Tpm;
using Microsoft.Win32.SafeHandles;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;

namespace Fobnail.Kexec.Measurement;

/// <summary>
/// Hashes data once for several PCR banks at the same time, streaming, with Portable.BouncyCastle digests
/// (AOT-safe; the .NET crypto classes would pull OpenSSL into the initramfs).
/// </summary>
public static class BankDigester
{
    private const int ChunkSize = 1 << 20;

    public static bool IsSupported(TpmAlgId alg) => alg is TpmAlgId.Sha1 or TpmAlgId.Sha256 or TpmAlgId.Sha384 or TpmAlgId.Sha512 or TpmAlgId.Sm3_256;

    private static IDigest Create(TpmAlgId alg) => alg switch
    {
        TpmAlgId.Sha1 => new Sha1Digest(),
        TpmAlgId.Sha256 => new Sha256Digest(),
        TpmAlgId.Sha384 => new Sha384Digest(),
        TpmAlgId.Sha512 => new Sha512Digest(),
        TpmAlgId.Sm3_256 => new SM3Digest(),
        _ => throw new KexecException($"PCR bank {TpmHash.AlgorithmName(alg)} has a hash algorithm we cannot compute; refusing to leave it unmeasured"),
    };

    /// <summary>TPM2_PCR_Extend's rule (Part 1 §17.2): PCR_new = H(PCR_old || digest).</summary>
    public static byte[] ExtendedValue(TpmAlgId bank, byte[] old, byte[] digest) =>
        Hash([.. old, .. digest], [bank])[0].Digest;

    public static IReadOnlyList<BankDigest> Hash(ReadOnlySpan<byte> data, IReadOnlyList<TpmAlgId> banks)
    {
        IDigest[] digests = banks.Select(Create).ToArray();
        byte[] copy = data.ToArray();
        foreach (IDigest d in digests) d.BlockUpdate(copy, 0, copy.Length);
        return Finish(banks, digests);
    }

    /// <summary>
    /// Hashes the whole file behind <paramref name="file"/> with positional reads (pread), so the descriptor's
    /// offset stays where it was and the same descriptor can go to kexec_file_load. Refuses files larger than
    /// <paramref name="maxBytes"/>, and a file that changes size while it is read.
    /// </summary>
    public static IReadOnlyList<BankDigest> Hash(SafeFileHandle file, IReadOnlyList<TpmAlgId> banks, long maxBytes, string name, out long size)
    {
        IDigest[] digests = banks.Select(Create).ToArray();
        size = RandomAccess.GetLength(file);
        if (size > maxBytes)
            throw new KexecException($"{name} is {size} bytes, more than the {maxBytes} accepted");
        byte[] buffer = new byte[(int)Math.Min(ChunkSize, Math.Max(size, 1))];
        long offset = 0;
        while (true)
        {
            int n = RandomAccess.Read(file, buffer, offset);
            if (n == 0) break;
            offset += n;
            if (offset > size)
                throw new KexecException($"{name} grew while it was measured (more than {size} bytes)");
            foreach (IDigest d in digests) d.BlockUpdate(buffer, 0, n);
        }
        if (offset != size)
            throw new KexecException($"{name} shrank while it was measured ({offset} of {size} bytes read)");
        return Finish(banks, digests);
    }

    private static BankDigest[] Finish(IReadOnlyList<TpmAlgId> banks, IDigest[] digests)
    {
        var result = new BankDigest[digests.Length];
        for (int i = 0; i < digests.Length; i++)
        {
            byte[] output = new byte[digests[i].GetDigestSize()];
            digests[i].DoFinal(output, 0);
            result[i] = new BankDigest(banks[i], output);
        }
        return result;
    }
}
