using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Sinks.SystemConsole.Themes;

namespace Fobnail.Init.Logging;

internal static class LogSetup
{
    public const string ConsoleTemplate = "[{Uptime,12}] fobnail-init {Level:u3} {Message:lj}{NewLine}{Exception}";

    /// <summary>
    /// The logger of PID 1: /dev/kmsg when it can be opened, plus plain text (a serial console shows ANSI colours
    /// as noise) to stderr = /dev/console for each line the kernel does not already print there from /dev/kmsg
    /// (and an exception's stack trace, which the one-line record leaves out). The level switch lets the kernel
    /// command line change the level after the logger exists (we log before we have parsed the command line).
    /// </summary>
    public static Logger CreateForInit(LoggingLevelSwitch level, KmsgSink? kmsg)
    {
        var config = new LoggerConfiguration()
            .MinimumLevel.ControlledBy(level)
            .Enrich.With(new UptimeEnricher());
        // First: the console sinks' filters look at what the kmsg sink did with the event.
        if (kmsg is not null) config = config.WriteTo.Sink(kmsg);
        return config
            .WriteTo.Logger(l => l.MinimumLevel.Verbose().Filter.ByExcluding(KmsgSink.EchoedByKernel)
                .WriteTo.Console(outputTemplate: ConsoleTemplate, theme: ConsoleTheme.None, standardErrorFromLevel: LogEventLevel.Verbose))
            .WriteTo.Logger(l => l.MinimumLevel.Verbose().Filter.ByIncludingOnly(e => KmsgSink.EchoedByKernel(e) && e.Exception is not null)
                .WriteTo.Console(outputTemplate: "{Exception}", theme: ConsoleTheme.None, standardErrorFromLevel: LogEventLevel.Verbose))
            .CreateLogger();
    }

    /// <summary>The logger of the hosted CLI: stderr, so stdout stays for the command's own output.</summary>
    public static Logger CreateForCli(LogEventLevel level) =>
        new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .WriteTo.Console(outputTemplate: "{Level:u3} {Message:lj}{NewLine}{Exception}", theme: ConsoleTheme.None,
                standardErrorFromLevel: LogEventLevel.Verbose)
            .CreateLogger();
}
