namespace Fobnail.Modules;

public enum ModuleLoadStatus
{
    /// <summary>finit_module(2) succeeded just now.</summary>
    Loaded,
    /// <summary>Built in (modules.builtin), present in /sys/module, or finit_module said EEXIST.</summary>
    AlreadyLoaded,
    /// <summary>No module of that name, or no alias matches.</summary>
    NotFound,
    /// <summary>finit_module(2) or opening the file failed (see Errno), or a required dependency failed.</summary>
    Failed,
    /// <summary>Matched a modalias but named in modprobe.blacklist= on the kernel command line: not loaded.</summary>
    Blacklisted,
}
