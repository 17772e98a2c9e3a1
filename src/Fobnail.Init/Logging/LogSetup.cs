using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Sinks.SystemConsole.Themes;

namespace Fobnail.Init.Logging;

internal static class LogSetup
{
    public const string ConsoleTemplate = "[{Uptime,12}] fobnail-init {Level:u3} {Message:lj}{NewLine}{Exception}";

    /// <summary>
    /// The logger of PID 1: plain text (a serial console shows ANSI colours as noise) to stderr = /dev/console,
    /// plus /dev/kmsg when it can be opened. The level switch lets the kernel command line change the level
    /// after the logger exists (we log before we have parsed the command line).
    /// </summary>
    public static Logger CreateForInit(LoggingLevelSwitch level, KmsgSink? kmsg)
    {
        var config = new LoggerConfiguration()
            .MinimumLevel.ControlledBy(level)
            .Enrich.With(new UptimeEnricher())
            .WriteTo.Console(outputTemplate: ConsoleTemplate, theme: ConsoleTheme.None, standardErrorFromLevel: LogEventLevel.Verbose);
        if (kmsg is not null) config = config.WriteTo.Sink(kmsg);
        return config.CreateLogger();
    }

    /// <summary>The logger of the hosted CLI: stderr, so stdout stays for the command's own output.</summary>
    public static Logger CreateForCli(LogEventLevel level) =>
        new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .WriteTo.Console(outputTemplate: "{Level:u3} {Message:lj}{NewLine}{Exception}", theme: ConsoleTheme.None,
                standardErrorFromLevel: LogEventLevel.Verbose)
            .CreateLogger();
}
