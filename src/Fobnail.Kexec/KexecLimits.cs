namespace Fobnail.Kexec;

/// <summary>Hard size limits on what we measure and hand to the kernel.</summary>
public sealed record KexecLimits
{
    public long MaxKernelBytes { get; init; } = 256L << 20;
    public long MaxInitrdBytes { get; init; } = 512L << 20;
    /// <summary>x86 COMMAND_LINE_SIZE (2048) including the terminating NUL; bzImage64_load enforces the image's own cmdline_size too.</summary>
    public int MaxCmdlineBytes { get; init; } = 2048;

    public static KexecLimits Default { get; } = new();
}
