using Fobnail.Init.Logging;
using Serilog.Events;
using Serilog.Parsing;

namespace Fobnail.Init.Tests;

public sealed class KmsgSinkTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kmsg-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static LogEvent Event(LogEventLevel level, string text, Exception? e = null, params LogEventProperty[] properties) =>
        new(DateTimeOffset.UnixEpoch, level, e, new MessageTemplateParser().Parse(text), properties);

    [Theory]
    [InlineData(LogEventLevel.Fatal, "<2>fobnail-init FTL")]
    [InlineData(LogEventLevel.Error, "<3>fobnail-init ERR")]
    [InlineData(LogEventLevel.Warning, "<4>fobnail-init WRN")]
    [InlineData(LogEventLevel.Information, "<6>fobnail-init INF")]
    [InlineData(LogEventLevel.Debug, "<7>fobnail-init DBG")]
    [InlineData(LogEventLevel.Verbose, "<7>fobnail-init VRB")]
    public void Records_carry_the_printk_level_of_the_event(LogEventLevel level, string prefix)
    {
        Assert.Equal(prefix + " hello", KmsgSink.Format(Event(level, "hello")));
    }

    [Fact]
    public void A_record_is_one_line_and_names_the_exception()
    {
        string record = KmsgSink.Format(Event(LogEventLevel.Error, "two\nlines", new IOException("boom")));
        Assert.Equal("<3>fobnail-init ERR two lines: IOException: boom", record);
    }

    /// <summary>Strings read as on the console: `loaded {Module}{Params}` was `loaded "usb_common"""` in dmesg.</summary>
    [Fact]
    public void Strings_are_not_quoted()
    {
        var e = Event(LogEventLevel.Information, "modules: loaded {Module}{Params}", null,
            new LogEventProperty("Module", new ScalarValue("usb_common")), new LogEventProperty("Params", new ScalarValue("")));
        Assert.Equal("<6>fobnail-init INF modules: loaded usb_common", KmsgSink.Format(e));
    }

    [Theory]
    [InlineData(7, LogEventLevel.Information, true)]  // loglevel=7: the kernel prints INF records: ours is left out
    [InlineData(7, LogEventLevel.Debug, false)]
    [InlineData(4, LogEventLevel.Error, true)]
    [InlineData(4, LogEventLevel.Warning, false)]
    [InlineData(8, LogEventLevel.Debug, true)]        // ignore_loglevel
    [InlineData(0, LogEventLevel.Fatal, false)]       // kernel echo not relied on (e.g. printk_devkmsg not "on")
    public void An_event_the_kernel_echoes_is_marked_so_the_console_shows_it_once(int consoleLevel, LogEventLevel level, bool echoed)
    {
        using KmsgSink sink = OpenNew(Path.Combine(_dir, "kmsg"));
        sink.ConsoleLogLevel = consoleLevel;
        LogEvent e = Event(level, "hello");
        sink.Emit(e);
        Assert.Equal(echoed, KmsgSink.EchoedByKernel(e));
    }

    [Fact]
    public void A_record_the_kernel_did_not_take_is_not_counted_as_echoed()
    {
        // Every write(2) to /dev/full fails (ENOSPC), as /dev/kmsg refuses records under printk_devkmsg=off.
        using KmsgSink sink = KmsgSink.TryOpen("/dev/full") ?? throw new InvalidOperationException("no /dev/full");
        sink.ConsoleLogLevel = 8;
        LogEvent e = Event(LogEventLevel.Error, "hello");
        sink.Emit(e);
        Assert.False(KmsgSink.EchoedByKernel(e));
    }

    [Theory]
    [InlineData("on", "7\t4\t1\t7\n", "N", 7)]
    [InlineData("on", "4\t4\t1\t7\n", "N", 4)]
    [InlineData("on", "4\t4\t1\t7\n", "Y", 8)]
    [InlineData("ratelimit", "7\t4\t1\t7\n", "N", 0)]
    [InlineData("off", "7\t4\t1\t7\n", "N", 0)]
    public void The_console_level_is_relied_on_only_while_every_record_reaches_the_log(string devkmsg, string printk, string ignore, int expected)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "proc/sys/kernel"));
        Directory.CreateDirectory(Path.Combine(_dir, "sys/module/printk/parameters"));
        File.WriteAllText(Path.Combine(_dir, "proc/sys/kernel/printk_devkmsg"), devkmsg + "\n");
        File.WriteAllText(Path.Combine(_dir, "proc/sys/kernel/printk"), printk);
        File.WriteAllText(Path.Combine(_dir, "sys/module/printk/parameters/ignore_loglevel"), ignore + "\n");
        Assert.Equal(expected, KmsgSink.ReadConsoleLogLevel(Path.Combine(_dir, "proc"), Path.Combine(_dir, "sys")));
    }

    private static KmsgSink OpenNew(string path)
    {
        File.WriteAllText(path, "");
        return KmsgSink.TryOpen(path) ?? throw new InvalidOperationException($"cannot open {path}");
    }
}
