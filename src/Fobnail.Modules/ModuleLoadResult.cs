namespace Fobnail.Modules;

/// <summary>
/// The outcome for one module. <see cref="Errno"/> is set for <see cref="ModuleLoadStatus.Failed"/> (0 if the
/// failure was not a system call's); <see cref="Detail"/> says why in words.
/// </summary>
public sealed record ModuleLoadResult(string Module, ModuleLoadStatus Status, int Errno = 0, string? Detail = null)
{
    public bool Succeeded => Status is ModuleLoadStatus.Loaded or ModuleLoadStatus.AlreadyLoaded;

    public override string ToString() => Status switch
    {
        ModuleLoadStatus.Failed when Errno != 0 => $"{Module}: failed (errno {Errno}){(Detail is null ? "" : ": " + Detail)}",
        _ => $"{Module}: {Status}{(Detail is null ? "" : " (" + Detail + ")")}",
    };
}
