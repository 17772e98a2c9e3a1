using System.Net;
using Fobnail.Init.Config;

namespace Fobnail.Init.Tests;

public sealed class BootConfigTests
{
    private static (BootConfig Config, IReadOnlyList<string> Problems) Parse(string text)
    {
        var config = BootConfig.FromCommandLine(KernelCommandLine.Parse(text), out var problems);
        return (config, problems);
    }

    [Fact]
    public void Defaults_match_the_documented_ones()
    {
        var (c, problems) = Parse("console=ttyS0 quiet");
        Assert.Empty(problems);
        Assert.Equal([BootStep.Modules, BootStep.Network, BootStep.Attest, BootStep.Boot], c.Steps);
        Assert.Equal(SystemAction.Halt, c.Final);
        Assert.Equal(SystemAction.Halt, c.OnFailure);
        Assert.Equal(["1234:4321", "02/0c/07"], c.TokenMatch);
        Assert.Equal(IPAddress.Parse("169.254.0.8"), c.HostAddress);
        Assert.Equal(16, c.HostPrefixLength);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("169.254.0.1"), 5683), c.TokenEndpoint);
        Assert.Null(c.DebugFault);
        // The defaults in the option table (shown by `cmdline options` and the README) are the real ones.
        foreach (var o in BootConfig.Options.Where(o => o.Default != "(none)"))
            Assert.Empty(Parse($"fobnail.{o.Name}={o.Default}").Problems);
    }

    [Fact]
    public void Every_option_is_applied()
    {
        var (c, problems) = Parse(
            "fobnail.steps=modules fobnail.final=poweroff fobnail.onfailure=reboot fobnail.loglevel=debug " +
            "fobnail.modules=e1000,virtio_net fobnail.match=0525:a4a2,cdc_ether fobnail.addr=10.0.0.2/24 " +
            "fobnail.token=10.0.0.1:5684 fobnail.tpm=swtpm:127.0.0.1:2321 fobnail.debug.fault=network");
        Assert.Empty(problems);
        Assert.Equal([BootStep.Modules], c.Steps);
        Assert.Equal(SystemAction.PowerOff, c.Final);
        Assert.Equal(SystemAction.Reboot, c.OnFailure);
        Assert.Equal(Serilog.Events.LogEventLevel.Debug, c.LogLevel);
        Assert.Equal(["e1000", "virtio_net"], c.ExtraModules);
        Assert.Equal(["0525:a4a2", "cdc_ether"], c.TokenMatch);
        Assert.Equal((IPAddress.Parse("10.0.0.2"), 24), (c.HostAddress, c.HostPrefixLength));
        Assert.Equal(IPEndPoint.Parse("10.0.0.1:5684"), c.TokenEndpoint);
        Assert.Equal("swtpm:127.0.0.1:2321", c.Tpm);
        Assert.Equal(BootStep.Network, c.DebugFault);
    }

    [Theory]
    [InlineData("fobnail.bogus=1", "unknown option 'fobnail.bogus'")]
    [InlineData("fobnail.final", "needs a value")]
    [InlineData("fobnail.final=sometimes", "'sometimes' is not one of halt|poweroff|reboot")]
    [InlineData("fobnail.final=1", "is not one of")]
    [InlineData("fobnail.steps=modules,dance", "'dance' is not one of")]
    [InlineData("fobnail.addr=169.254.0.8", "prefix length")]
    [InlineData("fobnail.addr=169.254.0.8/33", "prefix length")]
    [InlineData("fobnail.addr=fe80::1/64", "prefix length")]
    [InlineData("fobnail.token=169.254.0.1", "not an IPv4 address:port")]
    [InlineData("fobnail.loglevel=loud", "debug|info|warning|error")]
    public void Problems_are_reported_and_the_default_is_kept(string text, string problem)
    {
        var (c, problems) = Parse(text);
        Assert.Contains(problems, p => p.Contains(problem, StringComparison.Ordinal));
        var d = new BootConfig();
        Assert.Equal((d.Final, d.LogLevel, d.HostAddress, d.HostPrefixLength, d.TokenEndpoint),
                     (c.Final, c.LogLevel, c.HostAddress, c.HostPrefixLength, c.TokenEndpoint));
        Assert.Equal(d.Steps, c.Steps);
    }

    [Fact]
    public void Non_fobnail_parameters_are_not_ours_to_judge()
    {
        var (_, problems) = Parse("usbcore.autosuspend=-1 fobnailx.y=1 fobnail_final=poweroff");
        Assert.Empty(problems);
    }

    [Fact]
    public void The_last_occurrence_wins_like_the_kernels_own_parameters()
    {
        Assert.Equal(SystemAction.Reboot, Parse("fobnail.final=poweroff fobnail.final=reboot").Config.Final);
    }
}
