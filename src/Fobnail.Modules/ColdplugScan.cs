namespace Fobnail.Modules;

/// <summary>
/// The modalias values found under /sys/devices, distinct and in first-seen order; <see cref="Devices"/>
/// counts the non-empty modalias files; <see cref="Truncated"/> says a walk limit cut the scan short.
/// </summary>
public sealed record ColdplugScan(IReadOnlyList<string> Modaliases, int Devices, bool Truncated);
