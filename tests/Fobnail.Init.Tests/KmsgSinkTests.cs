using Fobnail.Init.Logging;
using Serilog.Events;
using Serilog.Parsing;

namespace Fobnail.Init.Tests;

public sealed class KmsgSinkTests
{
    private static LogEvent Event(LogEventLevel level, string text, Exception? e = null) =>
        new(DateTimeOffset.UnixEpoch, level, e, new MessageTemplateParser().Parse(text), []);

    [Theory]
    [InlineData(LogEventLevel.Fatal, "<2>")]
    [InlineData(LogEventLevel.Error, "<3>")]
    [InlineData(LogEventLevel.Warning, "<4>")]
    [InlineData(LogEventLevel.Information, "<6>")]
    [InlineData(LogEventLevel.Debug, "<7>")]
    [InlineData(LogEventLevel.Verbose, "<7>")]
    public void Records_carry_the_printk_level_of_the_event(LogEventLevel level, string prefix)
    {
        Assert.Equal(prefix + "fobnail-init: hello", KmsgSink.Format(Event(level, "hello")));
    }

    [Fact]
    public void A_record_is_one_line_and_names_the_exception()
    {
        string record = KmsgSink.Format(Event(LogEventLevel.Error, "two\nlines", new IOException("boom")));
        Assert.Equal("<3>fobnail-init: two lines: IOException: boom", record);
    }
}
