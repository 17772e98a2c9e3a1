namespace Fobnail.Init.Config;

/// <summary>What PID 1 does at the end of the boot sequence or after a failure. PID 1 itself never exits.</summary>
public enum SystemAction
{
    /// <summary>Stay up, idle, with the background services (hotplug, link manager) still running.</summary>
    Halt,
    PowerOff,
    Reboot,
}
