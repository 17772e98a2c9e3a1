using Fobnail.Netlink.Tests.Support;

namespace Fobnail.Netlink.Tests;

/// <summary>`fobnail-init net watch` as a process under `ip netns exec`, against the real kernel.</summary>
public class NetWatchCliTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static LoggedProcess StartWatch(NetworkNamespace ns, params string[] args) =>
        FobnailInitProcess.Start(["net", "watch", .. args], ns.Options);

    /// <summary>Waits until the watcher says it is subscribed, so no event can be missed.</summary>
    private static Task WaitForStartup(LoggedProcess p) => p.WaitForAsync("looking for", TimeSpan.FromSeconds(60));

    private static string Output(LoggedProcess p) => $"stdout:\n{string.Join("\n", p.StdoutLines)}\nstderr:\n{string.Join("\n", p.StderrLines)}";

    [Fact]
    public async Task Net_watch_prints_uevents_and_token_states_through_unplug_and_exits_at_count()
    {
        using var ns = new NetworkNamespace("netlink");
        using var sys = new FakeSysfs();
        sys.AddUsbNic("tok0", "0525", "a4a2", "02", "06", "00", "cdc_ether");
        await using var p = StartWatch(ns, "--match", "0525:a4a2,cdc_ether", "--address", "169.254.0.8/16", "--sysfs", sys.Root,
            "--count", "5", "--timeout", "30");
        await WaitForStartup(p);

        ns.Ip("link", "add", "tok0", "type", "veth", "peer", "name", "peer0");
        ns.Ip("link", "set", "peer0", "up");
        // Follow the watcher's own output; once it reports Ready, unplug.
        await p.WaitForAsync("-> Ready", Patience);
        ns.Ip("link", "del", "tok0");

        int exit = await p.WaitForExitAsync(Patience);
        Assert.True(exit == 0, $"exit {exit}\n{Output(p)}");

        var lines = p.StdoutLines.Where(l => l.Length > 0).ToList();
        var stderr = p.StderrLines;
        Assert.Contains(lines, l => l.Contains("uevent add@/devices/virtual/net/tok0") && l.Contains("INTERFACE=tok0"));
        var token = lines.Where(l => l.Contains(" token ")).ToList();
        Assert.Equal(5, token.Count); // Present, Up, Addressed, Ready, Absent: unplug goes straight to Absent
        Assert.Contains("Absent -> Present tok0", token[0]);
        Assert.Contains("USB 0525:a4a2 interface 02/06/00 driver cdc_ether", token[0]);
        Assert.Contains("Up -> Addressed", token[2]);
        Assert.Contains("Addressed -> Ready", token[3]);
        Assert.Contains("-> Absent", token[^1]);
        Assert.Contains(stderr, l => l.Contains("ignoring peer0") && l.Contains("virtual interface"));
        Assert.Contains(stderr, l => l.Contains("configured 169.254.0.8/16") && l.Contains("ms after it was announced"));
    }

    [Fact]
    public async Task Net_watch_times_out_with_124_when_no_token_appears_and_rejects_bad_options()
    {
        using var ns = new NetworkNamespace("netlink");
        await using (var p = StartWatch(ns, "--count", "1", "--timeout", "0.5", "--no-uevents"))
        {
            int exit = await p.WaitForExitAsync(Patience);
            Assert.True(exit == 124, $"exit {exit}: {Output(p)}");
        }
        await using (var p = StartWatch(ns, "--match", "not a match!"))
        {
            Assert.Equal(2, await p.WaitForExitAsync(Patience));
            Assert.Contains("neither VID:PID", string.Join("\n", p.StderrLines));
        }
    }

    [Fact]
    public async Task Ctrl_C_stops_net_watch_with_130_before_the_count_is_reached()
    {
        using var ns = new NetworkNamespace("netlink");
        await using var p = StartWatch(ns, "--count", "1", "--timeout", "120", "--no-uevents");
        await WaitForStartup(p);
        await p.SignalAsync("INT");
        int exit = await p.WaitForExitAsync(Patience);
        Assert.True(exit == 130, $"exit {exit}: {Output(p)}");
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("99999999")]
    [InlineData("NaN")]
    public async Task Out_of_range_timeouts_are_one_line_and_exit_code_2(string timeout)
    {
        using var ns = new NetworkNamespace("netlink");
        await using var p = StartWatch(ns, "--timeout", timeout);
        int exit = await p.WaitForExitAsync(Patience);
        string text = string.Join("\n", p.StderrLines);
        Assert.True(exit == 2, $"exit {exit}: {text}");
        Assert.Contains($"--timeout {timeout}: expected seconds between 0 and 2592000", text);
        Assert.DoesNotContain("   at ", text);
    }
}
