using System.Globalization;

namespace Fobnail.Hosted.Systemd;

/// <summary>
/// The service watchdog (sd_watchdog_enabled(3)): systemd sets $WATCHDOG_USEC (and $WATCHDOG_PID, the process
/// it is meant for) from WatchdogSec=; the service must send WATCHDOG=1 more often than that. We ping at half the
/// interval, as sd_watchdog_enabled(3) recommends.
/// </summary>
public static class Watchdog
{
    /// <summary>Longest interval accepted from the environment (a day; systemd allows more, we do not need it).</summary>
    private static readonly TimeSpan MaxInterval = TimeSpan.FromDays(1);

    /// <summary>How often to ping, or null when the watchdog is off (or meant for another process).</summary>
    public static TimeSpan? PingInterval() =>
        PingInterval(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), Environment.GetEnvironmentVariable("WATCHDOG_PID"));

    /// <summary>The same from the two variables' values.</summary>
    public static TimeSpan? PingInterval(string? usecText, string? pidText)
    {
        if (string.IsNullOrEmpty(usecText)) return null;
        if (!ulong.TryParse(usecText, NumberStyles.None, CultureInfo.InvariantCulture, out ulong usec) || usec == 0)
            throw new FormatException($"WATCHDOG_USEC='{usecText}' is not a positive number of microseconds");
        if (!string.IsNullOrEmpty(pidText))
        {
            if (!int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
                throw new FormatException($"WATCHDOG_PID='{pidText}' is not a process id");
            if (pid != Environment.ProcessId) return null;
        }
        var interval = TimeSpan.FromMicroseconds(Math.Min(usec, (ulong)(MaxInterval.Ticks / 10)));
        return interval / 2;
    }

    /// <summary>Sends WATCHDOG=1 every <paramref name="interval"/> while <paramref name="alive"/> says the daemon is healthy.</summary>
    public static async Task RunAsync(SdNotify notify, TimeSpan interval, Func<bool> alive, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval);
        notify.Watchdog();
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
            // A wedged daemon must stop pinging so that systemd restarts it.
            if (alive()) notify.Watchdog();
        }
    }
}
