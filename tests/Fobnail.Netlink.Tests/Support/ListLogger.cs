using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Fobnail.Netlink.Tests.Support;

/// <summary>A Serilog logger that keeps the rendered lines, to assert on what a person would read.</summary>
internal sealed class ListLogger : ILogger
{
    private readonly Lock _lock = new();
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get { lock (_lock) return _lines.ToList(); }
    }

    public void Write(LogEvent logEvent)
    {
        lock (_lock) _lines.Add($"{logEvent.Level} {logEvent.RenderMessage()}");
    }
}
