using System.Text;
using Fobnail.Linux;
using Tmds.Linux;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace Fobnail.Init.Logging;

/// <summary>
/// Writes each log event as one record to /dev/kmsg with a syslog priority prefix ("&lt;6&gt;fobnail-init INF ..."),
/// so that dmesg shows the agent's story interleaved with the kernel's. One write(2) is one record
/// (Documentation/ABI/testing/dev-kmsg); records longer than the kernel's limit are cut by the kernel.
/// The kernel also prints a record on the console when its priority is below the console log level (loglevel=):
/// then the line is shown once, as the kernel's echo ("[    1.234567] fobnail-init INF ..." reads like ours), and
/// the console sink leaves it out (<see cref="EchoedByKernel"/>).
/// </summary>
internal sealed class KmsgSink : ILogEventSink, IDisposable
{
    private readonly int _fd;
    private readonly object _lock = new();
    /// <summary>Set on an event this sink wrote and the kernel prints on the console.</summary>
    private const string EchoedProperty = "KmsgEchoedByKernel";
    private static readonly MessageTemplateTextFormatter Text = new("{Level:u3} {Message:lj}");
    private int _consoleLogLevel;

    /// <summary>
    /// The console log level (first field of /proc/sys/kernel/printk; 8 and above: every record) whose echo this
    /// sink relies on; 0 (the start) relies on none, e.g. while printk_devkmsg may still rate-limit, since the
    /// kernel then drops records while write(2) reports success.
    /// </summary>
    public int ConsoleLogLevel
    {
        get => Volatile.Read(ref _consoleLogLevel);
        set => Volatile.Write(ref _consoleLogLevel, value);
    }

    /// <summary>True for an event the kernel has printed on the console already (our console sink skips it).</summary>
    public static bool EchoedByKernel(LogEvent e) => e.Properties.ContainsKey(EchoedProperty);

    private KmsgSink(int fd) => _fd = fd;

    /// <summary>Opens /dev/kmsg for writing; null when it cannot be opened (no devtmpfs yet, not root).</summary>
    public static unsafe KmsgSink? TryOpen(string path = "/dev/kmsg")
    {
        int fd;
        fixed (byte* p = Sys.CString(path))
            fd = LibC.open(p, LibC.O_WRONLY | LibC.O_NOCTTY | LibC.O_CLOEXEC);
        return fd < 0 ? null : new KmsgSink(fd);
    }

    /// <summary>syslog(3) severities, as the kernel's printk levels use them.</summary>
    public static int Priority(LogEventLevel level) => level switch
    {
        LogEventLevel.Fatal => 2,       // KERN_CRIT
        LogEventLevel.Error => 3,       // KERN_ERR
        LogEventLevel.Warning => 4,     // KERN_WARNING
        LogEventLevel.Information => 6, // KERN_INFO
        _ => 7,                         // KERN_DEBUG
    };

    /// <summary>
    /// The record: priority, then the console line's text without the time (the kernel adds its own): strings
    /// as they are (":l"), not quoted, so `loaded {Module}{Params}` reads "loaded usb_common", like the console.
    /// </summary>
    public static string Format(LogEvent e)
    {
        var sb = new StringBuilder();
        sb.Append('<').Append(Priority(e.Level)).Append(">fobnail-init ");
        using (var w = new StringWriter(sb)) Text.Format(e, w);
        if (e.Exception is not null) sb.Append(": ").Append(e.Exception.GetType().Name).Append(": ").Append(e.Exception.Message);
        // A record is one line: the kernel would otherwise show the rest as continuation noise.
        sb.Replace('\n', ' ');
        return sb.ToString();
    }

    public unsafe void Emit(LogEvent logEvent)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(Format(logEvent));
        nint written;
        lock (_lock)
        {
            fixed (byte* p = bytes) written = (nint)LibC.write(_fd, p, bytes.Length); // best effort: logging must never fail boot
        }
        if (written > 0 && Priority(logEvent.Level) < ConsoleLogLevel)
            logEvent.AddOrUpdateProperty(new LogEventProperty(EchoedProperty, new ScalarValue(true)));
    }

    /// <summary>
    /// The console log level the kernel uses now, when every record written reaches the log (printk_devkmsg is
    /// "on"); otherwise 0. With ignore_loglevel every record is printed.
    /// </summary>
    public static int ReadConsoleLogLevel(string proc = "/proc", string sys = "/sys")
    {
        try
        {
            if (File.ReadAllText(Path.Combine(proc, "sys/kernel/printk_devkmsg")).Trim() != "on")
                return 0;
            string ignore = Path.Combine(sys, "module/printk/parameters/ignore_loglevel");
            if (File.Exists(ignore) && File.ReadAllText(ignore).Trim() == "Y")
                return 8;
            string first = File.ReadAllText(Path.Combine(proc, "sys/kernel/printk")).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0];
            return int.TryParse(first, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int level) ? level : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return 0;
        }
    }

    public void Dispose() => LibC.close(_fd);
}
