using System.Diagnostics;
using Serilog.Core;
using Serilog.Events;

namespace Fobnail.Init.Logging;

/// <summary>
/// Adds "Uptime": seconds on CLOCK_MONOTONIC, the clock printk timestamps use, so /init's console lines can be
/// lined up with the kernel's "[    1.234567]" ones and boot timings can be read straight off the serial log.
/// </summary>
internal sealed class UptimeEnricher : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory factory)
    {
        double seconds = Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
        logEvent.AddPropertyIfAbsent(factory.CreateProperty("Uptime", seconds.ToString("F6", System.Globalization.CultureInfo.InvariantCulture)));
    }
}
