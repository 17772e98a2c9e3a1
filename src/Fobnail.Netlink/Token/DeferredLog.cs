using System.Diagnostics.CodeAnalysis;
using Serilog;
using Serilog.Events;

namespace Fobnail.Netlink.Token;

/// <summary>
/// Holds log events back while the state machine handles one input, and writes them once it is done. On a
/// serial console each line costs milliseconds (one emulated UART access per byte under TCG), which would sit
/// between "present" and "address configured". Messages carry their own timings (+N ms), so nothing is lost;
/// only the sinks' own timestamps show the (slightly later) write time.
/// </summary>
internal sealed class DeferredLog(ILogger inner) : ILogger
{
    private readonly List<LogEvent> _held = [];
    private readonly Lock _lock = new();

    public bool IsEnabled(LogEventLevel level) => inner.IsEnabled(level);

    public bool BindMessageTemplate(string messageTemplate, object?[]? propertyValues,
        [NotNullWhen(true)] out MessageTemplate? parsedTemplate, [NotNullWhen(true)] out IEnumerable<LogEventProperty>? boundProperties) =>
        inner.BindMessageTemplate(messageTemplate, propertyValues, out parsedTemplate, out boundProperties);

    public void Write(LogEvent logEvent)
    {
        lock (_lock) _held.Add(logEvent);
    }

    public void Flush()
    {
        LogEvent[] events;
        lock (_lock)
        {
            events = [.. _held];
            _held.Clear();
        }
        foreach (var e in events) inner.Write(e);
    }
}
