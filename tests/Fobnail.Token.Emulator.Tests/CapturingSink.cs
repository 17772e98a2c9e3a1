using System.Text;
using Serilog.Core;

namespace Fobnail.Token.Emulator.Tests;

/// <summary>Keeps rendered log lines so tests can check what the emulator said.</summary>
public sealed class CapturingSink : ILogEventSink
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines { get { lock (_lines) return _lines.ToArray(); } }

    public void Emit(Serilog.Events.LogEvent e)
    {
        var sb = new StringBuilder();
        sb.Append(e.Level).Append(' ').Append(e.RenderMessage());
        lock (_lines) _lines.Add(sb.ToString());
    }
}
