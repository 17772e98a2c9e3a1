namespace Fobnail.Kexec;

/// <summary>
/// Which PCR each part is measured into. The default follows GRUB's convention: kernel and initrd files in
/// PCR 9, the command line in PCR 8.
/// </summary>
public sealed record KexecPcrs(int Kernel = 9, int Initrd = 9, int Cmdline = 8)
{
    public static KexecPcrs Default { get; } = new();

    /// <summary>PCRs 0-15 are the ones extendable without platform auth (and 0-7 belong to firmware, but may be chosen).</summary>
    public void Validate()
    {
        foreach (int pcr in new[] { Kernel, Initrd, Cmdline })
            if (pcr is < 0 or > 23)
                throw new KexecException($"PCR {pcr} is out of range (0-23)");
    }
}
