using Serilog;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace Fobnail.Netlink.Tests.Support;

/// <summary>A Serilog logger that keeps the rendered lines ({Message:lj}, as the console shows them).</summary>
internal sealed class ListLogger : ILogger
{
    private static readonly MessageTemplateTextFormatter Formatter = new("{Level} {Message:lj}");
    private readonly Lock _lock = new();
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get { lock (_lock) return _lines.ToList(); }
    }

    public void Write(LogEvent logEvent)
    {
        var w = new StringWriter();
        Formatter.Format(logEvent, w);
        lock (_lock) _lines.Add(w.ToString());
    }
}
