namespace Fobnail.Modules;

/// <summary>
/// What a coldplug pass did. <see cref="Devices"/> counts modalias files read (non-empty);
/// <see cref="Modaliases"/> the distinct values; <see cref="Loaded"/> the modules inserted now, each with the
/// modalias that asked for it; <see cref="Failed"/> modules that did not load; <see cref="Truncated"/> is set
/// when a walk limit was hit and some of /sys was not looked at.
/// </summary>
public sealed record ColdplugSummary(
    int Devices,
    int Modaliases,
    int Unmatched,
    IReadOnlyList<(string Module, string Modalias)> Loaded,
    IReadOnlyList<ModuleLoadResult> Failed,
    bool Truncated);
