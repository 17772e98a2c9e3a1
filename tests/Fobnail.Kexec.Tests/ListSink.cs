using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace Fobnail.Kexec.Tests;

/// <summary>Collects rendered log lines ("WRN message") for assertions.</summary>
public sealed class ListSink : ILogEventSink
{
    public List<string> Lines { get; } = [];

    // Rendered like the product's console template ({Message:lj}: strings unquoted).
    private static readonly MessageTemplateTextFormatter Formatter = new("{Message:lj}");

    public void Emit(LogEvent e)
    {
        var text = new StringWriter();
        Formatter.Format(e, text);
        lock (Lines) Lines.Add($"{Abbreviation(e.Level)} {text}");
    }

    private static string Abbreviation(LogEventLevel level) => level switch
    {
        LogEventLevel.Warning => "WRN",
        LogEventLevel.Error => "ERR",
        LogEventLevel.Information => "INF",
        _ => "DBG",
    };

    public ILogger Logger() => new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(this).CreateLogger();
}
