using Fobnail.Tpm;
using Fobnail.Kexec.Measurement;
using Microsoft.Win32.SafeHandles;

namespace Fobnail.Kexec.Tests;

/// <summary>Records what the handoff asks of the kernel, in order, and can be told to fail.</summary>
public sealed class FakeKexecKernel(List<string>? calls = null) : IKexecKernel
{
    public List<string> Calls { get; } = calls ?? [];
    public KexecException? LoadError { get; init; }
    public KexecException? RebootError { get; init; }
    public bool ReportLoaded { get; init; } = true;
    public byte[]? KernelBytes { get; private set; }
    public byte[]? InitrdBytes { get; private set; }
    public byte[]? Cmdline { get; private set; }
    public nint KernelFd { get; private set; }
    public KexecFileFlags Flags { get; private set; }

    public void FileLoad(SafeFileHandle kernel, SafeFileHandle? initrd, ReadOnlySpan<byte> cmdline, KexecFileFlags flags)
    {
        Calls.Add("load");
        if (LoadError is not null) throw LoadError;
        // Read what the kernel would read: the whole file through this descriptor, from offset 0.
        KernelFd = kernel.DangerousGetHandle();
        KernelBytes = ReadAll(kernel);
        InitrdBytes = initrd is null ? null : ReadAll(initrd);
        Cmdline = cmdline.ToArray();
        Flags = flags;
    }

    private static byte[] ReadAll(SafeFileHandle h)
    {
        var buffer = new byte[RandomAccess.GetLength(h)];
        int total = 0;
        while (total < buffer.Length) total += RandomAccess.Read(h, buffer.AsSpan(total), total);
        return buffer;
    }

    public bool IsLoaded()
    {
        Calls.Add("loaded?");
        return ReportLoaded && KernelBytes is not null;
    }

    public void RebootKexec()
    {
        Calls.Add("reboot");
        if (RebootError is not null) throw RebootError;
    }
}

/// <summary>A software PCR bank set: PCR = H(PCR || digest), starting from zeros, computed with .NET's own hashes.</summary>
public sealed class SoftwarePcrs(IReadOnlyList<TpmAlgId> banks, List<string>? calls = null) : IPcrExtender
{
    public Dictionary<(TpmAlgId, int), byte[]> Values { get; } = [];
    public List<string> Calls { get; } = calls ?? [];
    public Exception? Error { get; init; }

    public string Description => "software PCRs";
    public IReadOnlyList<TpmAlgId> Banks => banks;

    public void Extend(int pcr, IReadOnlyList<BankDigest> digests)
    {
        Calls.Add($"extend {pcr}");
        if (Error is not null) throw Error;
        Assert.Equal(banks, digests.Select(d => d.Hash));
        foreach (BankDigest d in digests)
            Values[(d.Hash, pcr)] = ExtendChain.Extend(d.Hash, Get(d.Hash, pcr), d.Digest);
    }

    public IReadOnlyDictionary<(TpmAlgId Bank, int Pcr), byte[]> Read(IReadOnlyCollection<int> pcrs)
    {
        Calls.Add($"read {string.Join(',', pcrs)}");
        return banks.SelectMany(b => pcrs.Select(p => (b, p))).ToDictionary(k => k, k => Get(k.b, k.p));
    }

    public byte[] Get(TpmAlgId bank, int pcr) =>
        Values.TryGetValue((bank, pcr), out var v) ? v : new byte[ExtendChain.Size(bank)];
}

/// <summary>The TPM2_PCR_Extend rule, independently of the product: new = H(old || digest).</summary>
public static class ExtendChain
{
    public static byte[] Hash(TpmAlgId bank, byte[] data) => bank switch
    {
        TpmAlgId.Sha1 => System.Security.Cryptography.SHA1.HashData(data),
        TpmAlgId.Sha256 => System.Security.Cryptography.SHA256.HashData(data),
        TpmAlgId.Sha384 => System.Security.Cryptography.SHA384.HashData(data),
        TpmAlgId.Sha512 => System.Security.Cryptography.SHA512.HashData(data),
        _ => throw new ArgumentOutOfRangeException(nameof(bank)),
    };

    public static int Size(TpmAlgId bank) => Hash(bank, []).Length;

    public static byte[] Extend(TpmAlgId bank, byte[] old, byte[] digest) => Hash(bank, [.. old, .. digest]);

    /// <summary>PCR value after extending <paramref name="start"/> with the digests of each data item in turn.</summary>
    public static byte[] Chain(TpmAlgId bank, byte[] start, params byte[][] data) =>
        data.Aggregate(start, (pcr, item) => Extend(bank, pcr, Hash(bank, item)));
}
