using Fobnail.Attester.Flows;
using Fobnail.Hosted.DBus;
using Fobnail.Hosted.Daemon;
using Fobnail.Hosted.Notify;
using Fobnail.Hosted.Tests.Support;
using Fobnail.Testing.Processes;
using Tmds.DBus.Protocol;

namespace Fobnail.Hosted.Tests;

/// <summary>
/// `fobnail-init notify`, the per-user notifier: the daemon's object (<see cref="ServedAttester"/>) on a real
/// dbus-daemon with the system bus's policy, a second real dbus-daemon as the user's session bus, and a
/// notification server on it (<see cref="NotificationServer"/>). Each verdict is one notification that replaces
/// the previous one; only the owner of org.fobnail.Attester1 is heard; a malformed signal, a missing server and a
/// lost bus are handled as documented.
/// </summary>
public sealed class VerdictNotifierTests
{
    private static readonly DaemonVerdict NotTrusted =
        new(AttestationVerdictKind.NotTrusted, "attestation: NOT TRUSTED (PCR <7> & <8> differ)", "ab".PadRight(64, 'c'));

    /// <summary>Both buses, the served daemon object and the notifier running in-process, logging into Log.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private bool _plugged;

        public required DBusDaemon System { get; init; }
        public required DBusDaemon Session { get; init; }
        public required FakeAttester Fake { get; init; }
        public required ServedAttester Served { get; init; }
        public LogCollector Log { get; } = new();
        public Task<int> Run { get; private set; } = Task.FromResult(-1);

        public static async Task<Rig> StartAsync()
        {
            DBusDaemon system = await DBusDaemon.SystemLike(), session = await DBusDaemon.Open();
            var fake = new FakeAttester();
            var rig = new Rig { System = system, Session = session, Fake = fake, Served = await ServedAttester.StartAsync(system.Address, fake) };
            rig.Run = VerdictNotifier.RunAsync(new NotifierOptions { SystemBusAddress = system.Address, SessionBusAddress = session.Address },
                                              rig.Log.Logger, rig._stop.Token);
            await rig.Log.WaitForAsync("notify: showing org.fobnail.Attester1's verdicts");
            return rig;
        }

        /// <summary>A token plug (after an unplug if one is plugged in): the daemon attests and signals the verdict.</summary>
        public async Task PlugAsync(DaemonVerdict? verdict = null)
        {
            if (verdict is not null) Fake.Verdict = verdict;
            if (_plugged) Served.Link(Fobnail.Netlink.Token.TokenLinkState.Absent);
            _plugged = true;
            Task<DaemonVerdict> published = Served.NextVerdictAsync();
            Served.Plug();
            await published;
        }

        public async Task<int> StopAsync()
        {
            await _stop.CancelAsync();
            return await Run.WaitAsync(TimeSpan.FromSeconds(30));
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try { await Run.WaitAsync(TimeSpan.FromSeconds(30)); } catch (Exception) { }
            await Served.DisposeAsync();
            await Session.DisposeAsync();
            await System.DisposeAsync();
            _stop.Dispose();
        }
    }

    [Fact]
    public async Task Each_verdict_is_one_notification_replacing_the_previous_one_its_body_escaped_for_markup_servers()
    {
        await using var rig = await Rig.StartAsync();
        using var server = await NotificationServer.StartAsync(rig.Session.Address, "body", "body-markup");

        await rig.PlugAsync();
        var trusted = await server.NextAsync();
        Assert.Equal(("Fobnail", 0u, "security-high", "This platform is trusted"), (trusted.AppName, trusted.ReplacesId, trusted.Icon, trusted.Summary));
        Assert.Matches(@"^attestation: TRUSTED \(fake\) \(\d\d:\d\d:\d\d\)$", trusted.Body);
        Assert.Equal("byte 1", trusted.Hints["urgency"]);
        Assert.Empty(trusted.Actions);
        Assert.Equal(-1, trusted.ExpireTimeout);

        await rig.PlugAsync(NotTrusted);
        var notTrusted = await server.NextAsync();
        Assert.Equal((trusted.Id, "security-low", "This platform is NOT trusted"), (notTrusted.ReplacesId, notTrusted.Icon, notTrusted.Summary));
        Assert.StartsWith("attestation: NOT TRUSTED (PCR &lt;7&gt; &amp; &lt;8&gt; differ) (", notTrusted.Body);
        Assert.Equal("byte 2", notTrusted.Hints["urgency"]);

        Assert.Equal(VerdictNotifier.Stopped, await rig.StopAsync());
        Assert.Equal(2, rig.Log.Count("notify: TRUSTED shown") + rig.Log.Count("notify: NOT_TRUSTED shown"));
    }

    [Fact]
    public async Task Only_the_name_owner_is_heard_and_a_malformed_signal_is_logged_and_dropped()
    {
        await using var rig = await Rig.StartAsync();
        using var server = await NotificationServer.StartAsync(rig.Session.Address); // no body-markup: the body as is

        // Another connection on the system bus (signals are allowed to anyone) sends a well-formed Verdict.
        DBusConnection impostor = await BusConnection.ConnectAsync(rig.System.Address);
        using (impostor) Send(impostor, "sst", (ref MessageWriter w) => { w.WriteString("TRUSTED"); w.WriteString("impostor"); w.WriteUInt64(1); });
        // The owner's connection sends one with the wrong signature, then one with an oversized verdict name.
        Send(rig.Served.Connection, "s", (ref MessageWriter w) => w.WriteString("TRUSTED"));
        Send(rig.Served.Connection, "sst", (ref MessageWriter w) => { w.WriteString(new string('T', 65)); w.WriteString("long"); w.WriteUInt64(1); });
        await rig.Log.WaitForAsync("notify: ignoring a Verdict signal: Verdict signal: expected body signature 'sst', got 's'");
        await rig.Log.WaitForAsync("notify: ignoring a Verdict signal: Verdict verdict: 65 bytes, at most 64 accepted");

        await rig.PlugAsync(NotTrusted);
        var shown = await server.NextAsync();
        Assert.Equal("This platform is NOT trusted", shown.Summary);
        Assert.StartsWith("attestation: NOT TRUSTED (PCR <7> & <8> differ) (", shown.Body);
        await Task.Delay(500);
        Assert.False(server.TryNext(out var more), $"one more notification: {more}");
        Assert.DoesNotContain(rig.Log.Messages, m => m.Contains("impostor", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_notification_server_the_verdict_is_logged_once_and_the_next_one_is_shown_when_one_appears()
    {
        await using var rig = await Rig.StartAsync();
        await rig.PlugAsync();
        await rig.Log.WaitForAsync("notify: no notification server on the session bus");
        await rig.PlugAsync(NotTrusted);
        await rig.PlugAsync();
        // Still not there for these two: said once only (the warning names the first verdict not shown).
        await Task.Delay(500);
        Assert.Equal(1, rig.Log.Count("no notification server"));

        using var server = await NotificationServer.StartAsync(rig.Session.Address);
        await rig.PlugAsync(NotTrusted);
        var shown = await server.NextAsync();
        Assert.Equal((0u, "This platform is NOT trusted"), (shown.ReplacesId, shown.Summary));
    }

    /// <summary>
    /// 400 random Verdict signals from the name owner (fixed seed): random signatures and argument values, verdict
    /// names around the 64-byte limit. The notifier keeps running, shows exactly the well-formed ones and logs each
    /// other one; both kinds occur.
    /// </summary>
    [Fact]
    public async Task Random_Verdict_signals_are_shown_or_dropped_and_the_notifier_keeps_running()
    {
        await using var rig = await Rig.StartAsync();
        using var server = await NotificationServer.StartAsync(rig.Session.Address);
        var random = new Random(1509);
        string[] signatures = ["sst", "sst", "sst", "s", "ss", "sstt", "", "t", "sts", "u"];
        int good = 0, bad = 0;
        for (int i = 0; i < 400; i++)
        {
            string signature = signatures[random.Next(signatures.Length)];
            int length = random.Next(2) == 0 ? random.Next(1, 12) : random.Next(60, 70);
            string name = new string(Enumerable.Range(0, length).Select(_ => (char)random.Next('A', 'Z' + 1)).ToArray());
            string detail = new string('d', random.Next(0, 200));
            ulong time = (ulong)random.NextInt64();
            Send(rig.Served.Connection, signature, (ref MessageWriter w) =>
            {
                foreach (char c in signature)
                {
                    if (c == 's') { w.WriteString(name); name = detail; }
                    else if (c == 't') w.WriteUInt64(time);
                    else w.WriteUInt32(7);
                }
            });
            if (signature == "sst" && length <= VerdictNotifier.MaxVerdictLength) good++; else bad++;
        }
        Assert.True(good > 50 && bad > 50, $"{good} well-formed, {bad} malformed");
        for (int i = 0; i < good; i++)
        {
            try { await server.NextAsync(); }
            catch (OperationCanceledException) { Assert.Fail($"{i} of {good} shown; the notifier's last lines: {string.Join(" | ", rig.Log.Messages.TakeLast(3))}"); }
        }
        await rig.Log.WaitForAsync("notify: ignoring a Verdict signal", count: bad);
        Assert.False(rig.Run.IsCompleted);
        // Still serving: a real verdict after all that.
        await rig.PlugAsync(NotTrusted);
        Assert.Equal("This platform is NOT trusted", (await server.NextAsync()).Summary);
    }

    [Theory]
    [InlineData("session")]
    [InlineData("system")]
    public async Task A_lost_bus_ends_the_notifier_with_BusLost_for_systemd_to_restart_it(string which)
    {
        await using var rig = await Rig.StartAsync();
        await (which == "session" ? rig.Session : rig.System).KillAsync();
        Assert.Equal(VerdictNotifier.BusLost, await rig.Run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, rig.Log.Count($"notify: the {which} bus connection was lost"));
    }

    /// <summary>
    /// The shipped binary against a real notification server: `fobnail-init notify` with both addresses given, dunst
    /// on the session bus. A TRUSTED then a NOT TRUSTED verdict: dunst shows the second in place of the first (same
    /// id), critical, its body escaped (dunst says "body-markup"); SIGTERM ends the notifier with 0.
    /// </summary>
    [Fact]
    public async Task The_notify_subcommand_shows_the_daemons_verdicts_on_dunst_and_stops_on_SIGTERM()
    {
        await using var system = await DBusDaemon.SystemLike();
        await using var session = await DBusDaemon.Open();
        var fake = new FakeAttester();
        await using var served = await ServedAttester.StartAsync(system.Address, fake);
        await using var dunst = await Dunst.StartAsync(session.Address);
        await using LoggedProcess notify = FobnailInitProcess.Start(
            ["notify", "--system-bus-address", system.Address, "--session-bus-address", session.Address, "--log", "stdout"],
            new CommandOptions { Environment = new Dictionary<string, string?> { ["JOURNAL_STREAM"] = null }, Timeout = TimeSpan.FromMinutes(10) });
        await notify.WaitForAsync("notify: showing org\\.fobnail\\.Attester1's verdicts", TimeSpan.FromSeconds(60));

        Task<DaemonVerdict> published = served.NextVerdictAsync();
        served.Plug();
        await published;
        var trusted = await dunst.NextAsync();
        Assert.Equal(("Fobnail", "This platform is trusted", "security-high", "NORMAL"),
                     (trusted["appname"], trusted["summary"], trusted["icon"], trusted["urgency"]));
        Assert.Matches(@"^attestation: TRUSTED \(fake\) \(\d\d:\d\d:\d\d\)$", trusted["body"]);

        fake.Verdict = NotTrusted;
        served.Link(Fobnail.Netlink.Token.TokenLinkState.Absent);
        published = served.NextVerdictAsync();
        served.Plug();
        await published;
        var notTrusted = await dunst.NextAsync();
        Assert.Equal(("This platform is NOT trusted", "security-low", "CRITICAL", trusted["id"]),
                     (notTrusted["summary"], notTrusted["icon"], notTrusted["urgency"], notTrusted["id"]));
        Assert.StartsWith("attestation: NOT TRUSTED (PCR &lt;7&gt; &amp; &lt;8&gt; differ) (", notTrusted["body"]);

        await notify.SignalAsync("TERM");
        Assert.Equal(0, await notify.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void Verdicts_map_to_summary_icon_and_urgency()
    {
        Assert.Equal(("This platform is trusted", "security-high", NotificationsClient.Urgency.Normal), VerdictNotifier.Describe("TRUSTED"));
        Assert.Equal(("This platform is NOT trusted", "security-low", NotificationsClient.Urgency.Critical), VerdictNotifier.Describe("NOT_TRUSTED"));
        foreach (AttestationVerdictKind kind in Enum.GetValues<AttestationVerdictKind>().Where(k => k is not AttestationVerdictKind.Trusted and not AttestationVerdictKind.NotTrusted))
        {
            string name = VerdictNames.Of(kind);
            Assert.Equal(($"Attestation failed: {name}", "security-medium", NotificationsClient.Urgency.Critical), VerdictNotifier.Describe(name));
        }
        Assert.Equal("a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;", NotificationsClient.EscapeMarkup("a <b> & \"c\" 'd'"));
    }

    private static void Send(DBusConnection connection, string signature, BusMessages.WriteMessage body)
    {
        MessageBuffer signal = BusMessages.Build(connection, (ref MessageWriter w) =>
        {
            w.WriteSignalHeader(null, AttesterBus.ObjectPath, AttesterBus.Interface, "Verdict", signature);
            body(ref w);
        });
        Assert.True(connection.TrySendMessage(signal));
    }
}
