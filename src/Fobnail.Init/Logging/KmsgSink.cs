using System.Text;
using Fobnail.Linux;
using Tmds.Linux;
using Serilog.Core;
using Serilog.Events;

namespace Fobnail.Init.Logging;

/// <summary>
/// Writes each log event as one record to /dev/kmsg with a syslog priority prefix ("&lt;6&gt;fobnail-init: ..."),
/// so that dmesg shows the agent's story interleaved with the kernel's. One write(2) is one record
/// (Documentation/ABI/testing/dev-kmsg); records longer than the kernel's limit are cut by the kernel.
/// </summary>
internal sealed class KmsgSink : ILogEventSink, IDisposable
{
    private readonly int _fd;
    private readonly object _lock = new();

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

    public static string Format(LogEvent e)
    {
        var sb = new StringBuilder();
        sb.Append('<').Append(Priority(e.Level)).Append(">fobnail-init: ");
        using (var w = new StringWriter(sb)) e.RenderMessage(w);
        if (e.Exception is not null) sb.Append(": ").Append(e.Exception.GetType().Name).Append(": ").Append(e.Exception.Message);
        // A record is one line: the kernel would otherwise show the rest as continuation noise.
        sb.Replace('\n', ' ');
        return sb.ToString();
    }

    public unsafe void Emit(LogEvent logEvent)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(Format(logEvent));
        lock (_lock)
        {
            fixed (byte* p = bytes) LibC.write(_fd, p, bytes.Length); // best effort: logging must never fail boot
        }
    }

    public void Dispose() => LibC.close(_fd);
}
