using Fobnail.Init.Config;

namespace Fobnail.Init.Tests;

public sealed class KernelCommandLineTests
{
    public static TheoryData<string, string[], string[]> Cases => new()
    {
        // text, parameters as key[=value], init arguments
        { "", [], [] },
        { "   \t\n", [], [] },
        { "quiet", ["quiet"], [] },
        { "console=ttyS0 loglevel=4", ["console=ttyS0", "loglevel=4"], [] },
        { "root=/dev/vda1 ro", ["root=/dev/vda1", "ro"], [] },
        { "a==b", ["a==b"], [] },                                  // value keeps everything after the first '='
        { "empty=", ["empty="], [] },
        { "key=\"two words\" next", ["key=two words", "next"], [] }, // quotes removed, spaces kept
        { "\"key=two words\"", ["key=two words"], [] },              // quoting the whole parameter works too
        { "a=\"b\"c\"d e\"", ["a=bcd e"], [] },                      // quotes toggle anywhere
        { "usbcore.autosuspend=-1 fobnail.final=poweroff", ["usbcore.autosuspend=-1", "fobnail.final=poweroff"], [] },
        { "quiet -- single extra", ["quiet"], ["single", "extra"] },
        { "-- --", [], ["--"] },
        { "unterminated=\"abc def", ["unterminated=abc def"], [] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Splits_like_the_kernels_next_arg(string text, string[] parameters, string[] initArguments)
    {
        var cmdline = KernelCommandLine.Parse(text);
        Assert.Equal(parameters, cmdline.Parameters.Select(p => p.Value is null ? p.Key : $"{p.Key}={p.Value}"));
        Assert.Equal(initArguments, cmdline.InitArguments);
    }

    [Fact]
    public void Key_and_value_are_split_at_the_first_equals_outside_and_inside_quotes()
    {
        var p = Assert.Single(KernelCommandLine.Parse("fobnail.match=\"0525:a4a2,cdc_ether\"").Parameters);
        Assert.Equal("fobnail.match", p.Key);
        Assert.Equal("0525:a4a2,cdc_ether", p.Value);
        Assert.Null(Assert.Single(KernelCommandLine.Parse("nosmp").Parameters).Value);
    }

    [Fact]
    public void Oversized_input_is_a_format_error()
    {
        Assert.Throws<FormatException>(() => KernelCommandLine.Parse(new string('a', KernelCommandLine.MaxLength + 1)));
    }

    [Fact]
    public void Random_input_never_throws_and_round_trips_unquoted_tokens()
    {
        var rng = new Random(20261122);
        const string alphabet = "ab=.\" \t-_,:/019\u00e9";
        for (int i = 0; i < 20_000; i++)
        {
            var chars = new char[rng.Next(0, 80)];
            for (int j = 0; j < chars.Length; j++) chars[j] = alphabet[rng.Next(alphabet.Length)];
            var cmdline = KernelCommandLine.Parse(new string(chars));
            foreach (var p in cmdline.Parameters)
            {
                Assert.False(string.IsNullOrEmpty(p.Key) && p.Value is null);
                Assert.DoesNotContain('"', p.Key + p.Value);
            }
            var config = BootConfig.FromCommandLine(cmdline, out _); // never throws, whatever the values
            Assert.NotNull(config);
        }
    }
}
