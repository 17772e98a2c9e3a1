using System.Collections.Concurrent;
using System.Diagnostics;
using Serilog;
using Serilog.Events;

namespace Fobnail.Hosted.Tests.Support;

/// <summary>A Serilog logger whose events the test reads back (rendered messages, in order).</summary>
internal sealed class LogCollector : Serilog.Core.ILogEventSink
{
    private readonly ConcurrentQueue<string> _messages = new();

    public LogCollector() => Logger = new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(this).CreateLogger();

    public ILogger Logger { get; }

    public string[] Messages => [.. _messages];

    public void Emit(LogEvent logEvent) => // Without the quotes Serilog puts around string values, so tests read like the text they wait for.
        _messages.Enqueue(logEvent.RenderMessage(System.Globalization.CultureInfo.InvariantCulture).Replace("\"", "", StringComparison.Ordinal));

    public int Count(string text) => Messages.Count(m => m.Contains(text, StringComparison.Ordinal));

    /// <summary>Waits until <paramref name="count"/> messages contain <paramref name="text"/> (generous bound).</summary>
    public async Task WaitForAsync(string text, int count = 1, int seconds = 60)
    {
        var sw = Stopwatch.StartNew();
        while (Count(text) < count)
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(seconds))
                throw new TimeoutException($"the log never said '{text}' {count} time(s):\n{string.Join('\n', Messages)}");
            await Task.Delay(20);
        }
    }
}
