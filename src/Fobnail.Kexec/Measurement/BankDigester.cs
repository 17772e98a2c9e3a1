using Fobnail.Linux;
using Fobnail.Tpm;
using Microsoft.Win32.SafeHandles;
using Org.BouncyCastle.Crypto;

namespace Fobnail.Kexec.Measurement;

/// <summary>
/// Hashes data for several PCR banks in one pass: each chunk is read once and fed to every bank's digest.
/// A bank's digest is the kernel's (AF_ALG, <see cref="KernelHash"/>: the CPU's SHA instructions through the
/// kernel's accelerated drivers) where the kernel offers it, else the managed one (<see cref="TpmHash.CreateDigest"/>);
/// the log says which, once per process and bank.
/// </summary>
public static class BankDigester
{
    private const int ChunkSize = 1 << 20;

    /// <summary>
    /// The kernel modules that give AF_ALG hashing and fast SHA drivers on x86-64 (initramfs/modules.list has
    /// them); the kexec step loads them by name before measuring, as nothing else would (AF_ALG's module
    /// auto-request needs a usermode modprobe, which the initramfs has not).
    /// </summary>
    public static IReadOnlyList<string> KernelModules { get; } = ["algif_hash", "sha1_ssse3", "sha256_ssse3"];

    private static readonly HashSet<string> Reported = [];

    public static bool IsSupported(TpmAlgId alg) => TpmHash.IsSupported(alg);

    /// <summary>TPM2_PCR_Extend's rule (Part 1 §17.2): PCR_new = H(PCR_old || digest).</summary>
    public static byte[] ExtendedValue(TpmAlgId bank, byte[] old, byte[] digest) =>
        Hash([.. old, .. digest], [bank])[0].Digest;

    public static IReadOnlyList<BankDigest> Hash(ReadOnlySpan<byte> data, IReadOnlyList<TpmAlgId> banks)
    {
        BankHasher[] hashers = Open(banks);
        try
        {
            foreach (BankHasher h in hashers) h.Update(data);
            return Finish(hashers);
        }
        finally
        {
            foreach (BankHasher h in hashers) h.Dispose();
        }
    }

    /// <summary>
    /// Hashes the whole file behind <paramref name="file"/> with positional reads (pread), so the descriptor's
    /// offset stays where it was and the same descriptor can go to kexec_file_load. Refuses files larger than
    /// <paramref name="maxBytes"/>, and a file that changes size while it is read.
    /// </summary>
    public static IReadOnlyList<BankDigest> Hash(SafeFileHandle file, IReadOnlyList<TpmAlgId> banks, long maxBytes, string name, out long size)
    {
        size = RandomAccess.GetLength(file);
        if (size > maxBytes)
            throw new KexecException($"{name} is {size} bytes, more than the {maxBytes} accepted");
        BankHasher[] hashers = Open(banks);
        try
        {
            byte[] buffer = new byte[(int)Math.Min(ChunkSize, Math.Max(size, 1))];
            long offset = 0;
            while (true)
            {
                int n = RandomAccess.Read(file, buffer, offset);
                if (n == 0) break;
                offset += n;
                if (offset > size)
                    throw new KexecException($"{name} grew while it was measured (more than {size} bytes)");
                foreach (BankHasher h in hashers) h.Update(buffer.AsSpan(0, n));
            }
            if (offset != size)
                throw new KexecException($"{name} shrank while it was measured ({offset} of {size} bytes read)");
            return Finish(hashers);
        }
        finally
        {
            foreach (BankHasher h in hashers) h.Dispose();
        }
    }

    private static BankHasher[] Open(IReadOnlyList<TpmAlgId> banks)
    {
        var hashers = new BankHasher[banks.Count];
        for (int i = 0; i < banks.Count; i++)
        {
            TpmHash.Algorithm alg = TpmHash.Find(banks[i])
                ?? throw new KexecException($"PCR bank {TpmHash.AlgorithmName(banks[i])} has a hash algorithm we cannot compute; refusing to leave it unmeasured");
            KernelHash? kernel = KernelHash.TryOpen(alg.KernelName, alg.DigestSize, out int errno);
            Report(alg, kernel is null ? errno : 0);
            hashers[i] = new BankHasher(alg.Id, kernel, kernel is null ? TpmHash.CreateDigest(alg.Id) : null);
        }
        return hashers;
    }

    private static void Report(TpmHash.Algorithm alg, int errno)
    {
        lock (Reported)
        {
            if (!Reported.Add(alg.Name)) return;
        }
        if (errno == 0)
            Serilog.Log.Information("measuring {Bank} with the kernel's crypto API (AF_ALG {Name})", alg.Name, alg.KernelName);
        else
            Serilog.Log.Warning("measuring {Bank} with the managed digest: the kernel's AF_ALG {Name} is not available ({Error}; algif_hash not loaded?)",
                alg.Name, alg.KernelName, Errno.Describe(errno));
    }

    private static BankDigest[] Finish(BankHasher[] hashers) =>
        hashers.Select(h => new BankDigest(h.Bank, h.Final())).ToArray();

    /// <summary>One bank's running digest: the kernel's or the managed one.</summary>
    private sealed class BankHasher(TpmAlgId bank, KernelHash? kernel, IDigest? managed) : IDisposable
    {
        public TpmAlgId Bank => bank;

        public void Update(ReadOnlySpan<byte> data)
        {
            if (kernel is not null) kernel.Update(data);
            else managed!.BlockUpdate(data);
        }

        public byte[] Final()
        {
            if (kernel is not null) return kernel.Final();
            byte[] output = new byte[managed!.GetDigestSize()];
            managed.DoFinal(output, 0);
            return output;
        }

        public void Dispose() => kernel?.Dispose();
    }
}
