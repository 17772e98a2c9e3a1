using Fobnail.Init.Cli;
using Fobnail.Init.Config;

namespace Fobnail.Init.Tests;

public sealed class CmdlineParseTests
{
    private static string Parse(string text)
    {
        var cmdline = KernelCommandLine.Parse(text);
        var writer = new StringWriter();
        CmdlineCommand.Write(writer, BootConfig.FromCommandLine(cmdline, out _), cmdline);
        return writer.ToString();
    }

    [Fact]
    public void Every_option_is_shown_and_defaults_weaken_nothing()
    {
        string output = Parse("console=ttyS0 quiet");
        foreach (BootConfig.Option o in BootConfig.Options)
            Assert.Contains($"  {BootConfig.Prefix}{o.Name} ", output);
        Assert.DoesNotContain("WEAKENS", output);
        Assert.EndsWith("policy: as strict as the defaults\n", output);
    }

    [Fact]
    public void Each_value_that_weakens_the_policy_is_marked_with_its_reason()
    {
        string output = Parse("fobnail.kexec.require_attestation=0 fobnail.provision=unknown fobnail.tpm=swtpm:127.0.0.1:2321 " +
                              "fobnail.steps=modules,kexec fobnail.attest.mac=02:00:00:00:00:01 fobnail.debug.fault=attest");
        string[] lines = output.Split('\n');
        void Marked(string option, string reason)
        {
            int at = Array.FindIndex(lines, l => l.StartsWith($"* {BootConfig.Prefix}{option} ", StringComparison.Ordinal));
            Assert.True(at >= 0, output);
            Assert.Contains("^ WEAKENS POLICY: ", lines[at + 1]);
            Assert.Contains(reason, lines[at + 1]);
        }
        Marked("kexec.require_attestation", "booted even when attestation did not pass");
        Marked("provision", "does not know is enrolled");
        Marked("tpm", "software TPM");
        Marked("steps", "no attest step");
        Marked("attest.mac", "not from the hardware");
        Marked("debug.fault", "attest step is made to fail");
        Assert.Contains("policy: WEAKENED by 6 options", output);
        Assert.Contains($"* {BootConfig.Prefix}kexec.require_attestation", output);
        Assert.Contains($"  {BootConfig.Prefix}final ", output); // not given: no asterisk
    }

    [Fact]
    public void Each_option_shows_its_documented_default()
    {
        var defaults = new BootConfig();
        foreach (BootConfig.Option o in BootConfig.Options)
            Assert.True(o.Default == o.Show(defaults), $"fobnail.{o.Name}: shows '{o.Show(defaults)}', documented default '{o.Default}'");
    }
}
