using Fobnail.Init.Config;
using Fobnail.Linux;
using Tmds.Linux;
using Serilog;

namespace Fobnail.Init.Pid1;

internal static class SystemPower
{
    /// <summary>CPU time PID 1 had used when /init started: the kernel's own work in PID 1 before exec.</summary>
    public static (double User, double System) AtStart { get; set; } = (0, 0);

    /// <summary>
    /// Carries out <paramref name="action"/>. Never returns: power off and reboot end the machine, and halt (or a
    /// failed reboot(2)) parks the calling thread forever, which keeps PID 1 alive.
    /// </summary>
    public static void Perform(SystemAction action, ILogger log, string why)
    {
        var cpu = CpuTime();
        log.Information("{Action}: {Why} (/init CPU time {User:F2}s user + {Sys:F2}s system since exec; PID 1 total {TotalUser:F2}s + {TotalSys:F2}s)",
            action.ToString().ToLowerInvariant(), why, cpu.User - AtStart.User, cpu.System - AtStart.System, cpu.User, cpu.System);
        LibC.sync();
        int how = action switch
        {
            SystemAction.PowerOff => Sys.RB_POWER_OFF,
            SystemAction.Reboot => Sys.RB_AUTOBOOT,
            _ => 0,
        };
        if (how != 0 && Sys.reboot(how) != 0)
        {
            Console.Error.WriteLine($"fobnail-init: reboot({action}) failed: {Errno.Describe(Errno.Last)}; halting instead");
        }
        while (true) Thread.Sleep(Timeout.Infinite);
    }

    /// <summary>utime and stime of this process from /proc/self/stat (fields 14 and 15, in clock ticks).</summary>
    public static (double User, double System) CpuTime()
    {
        try
        {
            string stat = File.ReadAllText("/proc/self/stat");
            // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
            string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            const double ticks = 100.0; // USER_HZ is 100 on every architecture Linux supports today
            return (long.Parse(f[11]) / ticks, long.Parse(f[12]) / ticks);
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException)
        {
            return (double.NaN, double.NaN);
        }
    }
}
