using System.Globalization;
using Serilog.Core;
using Serilog.Events;

namespace Fobnail.Hosted.Systemd;

/// <summary>
/// When the native journal socket is not there: one line per entry on stdout with the sd-daemon(3) "&lt;N&gt;"
/// priority prefix, which journald understands when stdout is its stream (SYSLOG_IDENTIFIER comes from the unit's
/// SyslogIdentifier=) and which stays readable on a terminal.
/// </summary>
public sealed class StdoutSink(TextWriter output) : ILogEventSink
{
    private readonly Lock _lock = new();

    public void Emit(LogEvent logEvent)
    {
        string message = JournalSink.Render(logEvent);
        if (logEvent.Exception is not null) message += " | " + logEvent.Exception.GetType().Name + ": " + logEvent.Exception.Message;
        // One entry per line: a newline inside would start an entry without the priority.
        message = message.Replace('\n', ' ');
        lock (_lock)
        {
            output.Write('<');
            output.Write(JournalSink.Priority(logEvent.Level).ToString(CultureInfo.InvariantCulture));
            output.Write('>');
            output.WriteLine(message);
            output.Flush();
        }
    }
}
