using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Fobnail.Hosted.Systemd;

/// <summary>Where the daemon's log goes: the journal's native socket, or stdout with sd-daemon priority prefixes.</summary>
public static class DaemonLogging
{
    public const string Identifier = "fobnail-init";

    public enum Target { Auto, Journal, Stdout }

    public static Target Parse(string text) => text switch
    {
        "auto" => Target.Auto,
        "journal" => Target.Journal,
        "stdout" => Target.Stdout,
        _ => throw new FormatException($"--log '{text}': expected auto, journal or stdout"),
    };

    /// <summary>
    /// Auto: the native journal when systemd started us with the journal as our stream ($JOURNAL_STREAM) and its
    /// socket exists; stdout otherwise (a terminal, or a container without journald).
    /// </summary>
    public static Logger Create(Target target, LogEventLevel level, string journalSocket = JournalSink.DefaultSocket)
    {
        bool journal = target == Target.Journal ||
            (target == Target.Auto && Environment.GetEnvironmentVariable("JOURNAL_STREAM") is { Length: > 0 } && File.Exists(journalSocket));
        ILogEventSink sink = journal ? new JournalSink(Identifier, journalSocket) : new StdoutSink(Console.Out);
        return new LoggerConfiguration().MinimumLevel.Is(level).WriteTo.Sink(sink).CreateLogger();
    }
}
