namespace Fobnail.Kexec;

/// <summary>
/// Which PCR each part is measured into. The default follows GRUB's convention: kernel and initrd files in
/// PCR 9, the command line in PCR 8.
/// </summary>
public sealed record KexecPcrs(int Kernel = 9, int Initrd = 9, int Cmdline = 8)
{
    public static KexecPcrs Default { get; } = new();

    public void Validate()
    {
        foreach (int pcr in new[] { Kernel, Initrd, Cmdline })
            if (Refusal(pcr) is string why)
                throw new KexecException(why);
    }

    /// <summary>
    /// Why <paramref name="pcr"/> cannot hold a measurement of the boot, or null when it can. TCG PC Client
    /// Platform TPM Profile: PCR 16 (debug) and 23 (application) can be reset by software at locality 0, so
    /// anyone with TPM access could erase our extends and replay a good-looking chain; PCRs 17-22 belong to
    /// DRTM (reset by the dynamic launch, extendable only from localities 2-4). 0-15 are static root PCRs
    /// (0-7 firmware's, 8-15 the OS's), resettable only by a platform reset.
    /// </summary>
    public static string? Refusal(int pcr) => pcr switch
    {
        < 0 or > 23 => $"PCR {pcr} is out of range (0-23)",
        16 or 23 => $"PCR {pcr} can be reset at locality 0 (by any program with TPM access): a measurement there proves nothing; use 0-15",
        >= 17 and <= 22 => $"PCR {pcr} belongs to the dynamic launch (DRTM, localities 2-4): use 0-15",
        _ => null,
    };
}
