namespace Fobnail.Kexec;

/// <summary>What to boot: kernel image, optional initrd, command line text (the NUL is added when measured and loaded).</summary>
public sealed record KexecRequest(string KernelPath, string? InitrdPath, string Cmdline)
{
    public KexecPcrs Pcrs { get; init; } = KexecPcrs.Default;
    public KexecLimits Limits { get; init; } = KexecLimits.Default;
}
