using System.Diagnostics;
using Fobnail.Netlink.Tests.Support;

namespace Fobnail.Netlink.Tests;

/// <summary>`fobnail-init net watch` as a process under `ip netns exec`, against the real kernel.</summary>
public class NetWatchCliTests
{
    private static Process StartWatch(NetNs ns, params string[] args)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["netns", "exec", ns.Name, "dotnet", Path.Combine(AppContext.BaseDirectory, "fobnail-init.dll"), "net", "watch", .. args])
            psi.ArgumentList.Add(a);
        // The product targets net9.0; the test machine only has the net10.0 runtime.
        psi.Environment["DOTNET_ROLL_FORWARD"] = "Major";
        return Process.Start(psi)!;
    }

    /// <summary>Reads stderr until the watcher says it is subscribed (so no event can be missed), collecting it.</summary>
    private static async Task WaitForStartup(Process p, List<string> stderr)
    {
        while (await p.StandardError.ReadLineAsync() is { } line)
        {
            stderr.Add(line);
            if (line.Contains("looking for")) return;
        }
        Assert.Fail("net watch ended before it started listening:\n" + string.Join("\n", stderr));
    }

    [Fact]
    public async Task Net_watch_prints_uevents_and_token_states_through_unplug_and_exits_at_count()
    {
        using var ns = new NetNs();
        using var sys = new FakeSysfs();
        sys.AddUsbNic("tok0", "0525", "a4a2", "02", "06", "00", "cdc_ether");
        using var p = StartWatch(ns, "--match", "0525:a4a2,cdc_ether", "--address", "169.254.0.8/16", "--sysfs", sys.Root,
            "--count", "5", "--timeout", "30");
        var stderr = new List<string>();
        await WaitForStartup(p, stderr);
        var restOfStderr = p.StandardError.ReadToEndAsync();

        ns.Ip("link", "add", "tok0", "type", "veth", "peer", "name", "peer0");
        ns.Ip("link", "set", "peer0", "up");
        // Follow the watcher's own output; once it reports Ready, unplug.
        var seen = new List<string>();
        while (await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)) is { } line)
        {
            seen.Add(line);
            if (line.Contains("-> Ready")) break;
        }
        ns.Ip("link", "del", "tok0");

        string stdout = string.Join("\n", seen) + "\n" + await p.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        stderr.Add(await restOfStderr);
        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}\nstdout:\n{stdout}\nstderr:\n{string.Join("\n", stderr)}");

        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
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
        using var ns = new NetNs();
        using (var p = StartWatch(ns, "--count", "1", "--timeout", "0.5", "--no-uevents"))
        {
            var output = p.StandardOutput.ReadToEndAsync();
            var errors = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(p.ExitCode == 124, $"exit {p.ExitCode}: {await output} {await errors}");
        }
        using (var p = StartWatch(ns, "--match", "not a match!"))
        {
            var errors = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(2, p.ExitCode);
            Assert.Contains("neither VID:PID", await errors);
        }
    }

    [Fact]
    public async Task Ctrl_C_stops_net_watch_with_130_before_the_count_is_reached()
    {
        using var ns = new NetNs();
        using var p = StartWatch(ns, "--count", "1", "--timeout", "120", "--no-uevents");
        var stderr = new List<string>();
        await WaitForStartup(p, stderr);
        var rest = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEndAsync();
        using (Process kill = Process.Start("kill", ["-INT", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
            kill.WaitForExit();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(p.ExitCode == 130, $"exit {p.ExitCode}: {await output} {string.Join("\n", stderr)} {await rest}");
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("99999999")]
    [InlineData("NaN")]
    public async Task Out_of_range_timeouts_are_one_line_and_exit_code_2(string timeout)
    {
        using var ns = new NetNs();
        using var p = StartWatch(ns, "--timeout", timeout);
        var errors = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        string text = await errors;
        Assert.True(p.ExitCode == 2, $"exit {p.ExitCode}: {text}");
        Assert.Contains($"--timeout {timeout}: expected seconds between 0 and 2592000", text);
        Assert.DoesNotContain("   at ", text);
    }
}
