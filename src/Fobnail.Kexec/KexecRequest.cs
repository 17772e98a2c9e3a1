using Fobnail.Kexec.Initrd;

namespace Fobnail.Kexec;

/// <summary>What to boot: kernel image, optional initrd, command line text (the NUL is added when measured and loaded).</summary>
public sealed record KexecRequest(string KernelPath, string? InitrdPath, string Cmdline)
{
    /// <summary>Token-held secrets to append to the initrd (measured by name, path and size only; the caller owns and wipes them).</summary>
    public IReadOnlyList<HandoverFile> Secrets { get; init; } = [];

    public KexecPcrs Pcrs { get; init; } = KexecPcrs.Default;
    public KexecLimits Limits { get; init; } = KexecLimits.Default;
}
