using System.Diagnostics;
using Fobnail.Attester.Flows;
using Fobnail.Hosted.Daemon;
using Fobnail.Hosted.DBus;
using Fobnail.Hosted.Tests.Support;
using Fobnail.Netlink.Token;

namespace Fobnail.Hosted.Tests;

/// <summary>
/// org.fobnail.Attester1 on a real dbus-daemon (Debian system-bus default policy + the shipped policy file),
/// seen through busctl and gdbus as independent clients. The attestation is a <see cref="FakeAttester"/>: these
/// tests are about the D-Bus surface and the daemon loop, not the token protocol.
/// </summary>
public sealed class AttesterBusTests
{
    private const string Dest = AttesterBus.BusName;
    private const string Obj = AttesterBus.ObjectPath;
    private const string Iface = AttesterBus.Interface;

    [Fact]
    public async Task Properties_start_empty_and_follow_plug_and_verdict()
    {
        await using var bus = await DBusDaemon.SystemLike();
        var fake = new FakeAttester();
        await using var served = await ServedAttester.StartAsync(bus.Address, fake);

        Assert.Equal("b false", await Get(bus, "TokenPresent"));
        Assert.Equal("s \"\"", await Get(bus, "LastVerdict"));
        Assert.Equal("t 0", await Get(bus, "LastVerdictTime"));
        Assert.Equal("s \"\"", await Get(bus, "PlatformId"));

        Task<DaemonVerdict> verdict = served.NextVerdictAsync();
        long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        served.Plug();
        await verdict;

        Assert.Equal("b true", await Get(bus, "TokenPresent"));
        Assert.Equal("s \"TRUSTED\"", await Get(bus, "LastVerdict"));
        Assert.Equal($"s \"{fake.Verdict.PlatformId}\"", await Get(bus, "PlatformId"));
        ulong time = ulong.Parse((await Get(bus, "LastVerdictTime"))[2..]);
        Assert.InRange(time, (ulong)before, (ulong)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 + 1000));
        Assert.Equal(1, fake.Calls);

        served.Link(TokenLinkState.Absent);
        await WaitUntil(async () => await Get(bus, "TokenPresent") == "b false");
        // The verdict stays: it is the last one, whether or not the token is still there.
        Assert.Equal("s \"TRUSTED\"", await Get(bus, "LastVerdict"));
    }

    [Fact]
    public async Task Every_plug_attests_and_emits_the_Verdict_signal()
    {
        await using var bus = await DBusDaemon.SystemLike();
        var fake = new FakeAttester();
        await using var served = await ServedAttester.StartAsync(bus.Address, fake);
        await using var monitor = await GdbusMonitor.StartAsync(bus.Address, Dest, served.Connection);

        served.Plug();
        string first = await monitor.NextLineAsync(l => l.Contains($"{Iface}.Verdict"));
        Assert.Contains("('TRUSTED', 'attestation: TRUSTED (fake)', uint64 ", first);

        served.Link(TokenLinkState.Absent);
        fake.Verdict = new DaemonVerdict(AttestationVerdictKind.NotTrusted, "attestation: NOT TRUSTED (fake)", fake.Verdict.PlatformId);
        served.Plug();
        string second = await monitor.NextLineAsync(l => l.Contains($"{Iface}.Verdict"));
        Assert.Contains("('NOT_TRUSTED', 'attestation: NOT TRUSTED (fake)', uint64 ", second);
        Assert.Equal(2, fake.Calls);
        // PropertiesChanged went out too (gdbus monitor shows it), so property caches stay right.
        Assert.Contains(monitor.Lines, l => l.Contains("org.freedesktop.DBus.Properties.PropertiesChanged") && l.Contains("'LastVerdict': <'NOT_TRUSTED'>"));
    }

    [Fact]
    public async Task AttestNow_returns_the_verdict_and_refuses_without_a_token()
    {
        await using var bus = await DBusDaemon.SystemLike();
        var fake = new FakeAttester();
        await using var served = await ServedAttester.StartAsync(bus.Address, fake);

        CommandResult absent = await Tool.Busctl(bus.Address, "call", Dest, Obj, Iface, "AttestNow");
        Assert.NotEqual(0, absent.ExitCode);
        Assert.Contains("no Fobnail Token is plugged in and ready", absent.Stderr);
        Assert.Equal(0, fake.Calls);

        Task<DaemonVerdict> plugged = served.NextVerdictAsync();
        served.Plug();
        await plugged;
        CommandResult now = await Tool.Busctl(bus.Address, "call", Dest, Obj, Iface, "AttestNow");
        Assert.True(now.ExitCode == 0, now.ToString());
        Assert.Equal("ss \"TRUSTED\" \"attestation: TRUSTED (fake)\"", now.Stdout.Trim());
        Assert.Equal(2, fake.Calls);
    }

    [Fact]
    public async Task Unplug_during_AttestNow_is_a_TokenAbsent_error_and_properties_are_served_meanwhile()
    {
        await using var bus = await DBusDaemon.SystemLike();
        var fake = new FakeAttester();
        await using var served = await ServedAttester.StartAsync(bus.Address, fake);
        Task<DaemonVerdict> plugged = served.NextVerdictAsync();
        served.Plug();
        await plugged;

        fake.Release = new TaskCompletionSource();
        var started = new TaskCompletionSource();
        Task<CommandResult> call = Tool.Busctl(bus.Address, "call", Dest, Obj, Iface, "AttestNow");
        await WaitUntil(() => Task.FromResult(fake.Calls == 2));
        // The long call does not block the connection: Get is answered while AttestNow waits.
        Assert.Equal("b true", await Get(bus, "TokenPresent"));
        served.Link(TokenLinkState.Absent);
        CommandResult r = await call;
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("the token went away during the attestation", r.Stderr);
    }

    [Fact]
    public async Task Introspection_is_the_shipped_XML()
    {
        await using var bus = await DBusDaemon.SystemLike();
        await using var served = await ServedAttester.StartAsync(bus.Address, new FakeAttester());
        CommandResult r = await Tool.RunAsync("gdbus", ["introspect", "--address", bus.Address, "--dest", Dest, "--object-path", Obj]);
        Assert.True(r.ExitCode == 0, r.ToString());
        foreach (string expected in new[]
        {
            "interface org.fobnail.Attester1", "AttestNow(out s verdict,", "out s detail);", "Verdict(s verdict,",
            "readonly b TokenPresent", "readonly s LastVerdict", "readonly t LastVerdictTime", "readonly s PlatformId",
            "interface org.freedesktop.DBus.Properties",
        })
            Assert.Contains(expected, r.Stdout);
    }

    [Fact]
    public async Task Bad_calls_get_clear_errors_and_the_service_goes_on()
    {
        await using var bus = await DBusDaemon.SystemLike();
        await using var served = await ServedAttester.StartAsync(bus.Address, new FakeAttester());
        string props = "org.freedesktop.DBus.Properties";

        CommandResult wrongSignature = await Tool.Busctl(bus.Address, "call", Dest, Obj, props, "Get", "si", Iface, "5");
        Assert.Contains("expected body signature 'ss', got 'si'", wrongSignature.Stderr);

        CommandResult longName = await Tool.Busctl(bus.Address, "call", Dest, Obj, props, "Get", "ss", Iface, new string('A', 100_000));
        Assert.Contains("property name: 100000 bytes, at most 255 accepted", longName.Stderr);

        CommandResult unknown = await Tool.Busctl(bus.Address, "call", Dest, Obj, props, "Get", "ss", Iface, "Nope");
        Assert.Contains("no property 'Nope'", unknown.Stderr);

        CommandResult set = await Tool.Busctl(bus.Address, "set-property", Dest, Obj, Iface, "LastVerdict", "s", "TRUSTED");
        Assert.Contains("read-only", set.Stderr);

        CommandResult args = await Tool.Busctl(bus.Address, "call", Dest, Obj, Iface, "AttestNow", "s", "x");
        Assert.Contains("expected body signature '', got 's'", args.Stderr);

        CommandResult method = await Tool.Busctl(bus.Address, "call", Dest, Obj, Iface, "Reboot");
        Assert.NotEqual(0, method.ExitCode);

        Assert.Equal("s \"\"", await Get(bus, "LastVerdict"));
    }

    [Fact]
    public async Task Bus_policy_lets_anyone_read_but_only_root_attest()
    {
        await using var bus = await DBusDaemon.SystemLike();
        await using var served = await ServedAttester.StartAsync(bus.Address, new FakeAttester());
        CommandResult read = await Tool.BusctlAsNobody(bus.Address, "get-property", Dest, Obj, Iface, "LastVerdict");
        Assert.True(read.ExitCode == 0, read.ToString());
        Assert.Equal("s \"\"", read.Stdout.Trim());

        CommandResult call = await Tool.BusctlAsNobody(bus.Address, "call", Dest, Obj, Iface, "AttestNow");
        Assert.NotEqual(0, call.ExitCode);
        Assert.Contains("Access denied", call.Stderr, StringComparison.OrdinalIgnoreCase);

        // Root passes the policy and reaches the object (which refuses: no token).
        CommandResult root = await Tool.Busctl(bus.Address, "call", Dest, Obj, Iface, "AttestNow");
        Assert.Contains("no Fobnail Token", root.Stderr);
    }

    private static async Task<string> Get(DBusDaemon bus, string property)
    {
        CommandResult r = await Tool.Busctl(bus.Address, "get-property", Dest, Obj, Iface, property);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout.Trim();
    }

    internal static async Task WaitUntil(Func<Task<bool>> condition, int seconds = 60)
    {
        var sw = Stopwatch.StartNew();
        while (!await condition())
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(seconds)) throw new TimeoutException("condition not reached");
            await Task.Delay(50);
        }
    }
}
