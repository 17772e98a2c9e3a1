namespace Fobnail.Kexec.Measurement;

/// <summary>What one measurement is of.</summary>
public enum MeasuredObject
{
    Kernel,
    Initrd,
    Cmdline,
    /// <summary>A token-held secret appended to the initrd: its name, path and size are measured, never its bytes.</summary>
    Secret,
}

/// <summary>
/// One event of the in-memory event log: the PCR it was (or is to be) extended into, the per-bank digests,
/// and what was measured (a path, or the command line text) with its size in bytes.
/// </summary>
public sealed record MeasurementEvent(int Pcr, MeasuredObject Object, string Description, long Size, IReadOnlyList<BankDigest> Digests)
{
    public string ObjectName => Object.ToString().ToLowerInvariant();

    public BankDigest? Digest(Fobnail.Tpm.TpmAlgId hash) => Digests.FirstOrDefault(d => d.Hash == hash);
}
