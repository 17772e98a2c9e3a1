using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Fobnail.Hosted.Systemd;
using Fobnail.Hosted.Tests.Support;
using Serilog;
using Serilog.Events;

namespace Fobnail.Hosted.Tests;

/// <summary>sd_notify, the watchdog settings, the journal's native protocol, and the shipped unit file.</summary>
public sealed class SystemdTests
{
    [Fact]
    public async Task SdNotify_sends_one_datagram_with_MAINPID_to_a_path_and_to_an_abstract_socket()
    {
        using var socket = new NotifySocket();
        using (SdNotify n = SdNotify.Open(socket.Path_)) n.Ready("up");
        Assert.Equal($"READY=1\nSTATUS=up\nMAINPID={Environment.ProcessId}", await socket.ReceiveAsync());

        string name = "fobnail-test-" + Guid.NewGuid().ToString("N");
        using var abstractSocket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        abstractSocket.Bind(new UnixDomainSocketEndPoint("\0" + name));
        using (SdNotify n = SdNotify.Open("@" + name)) n.Watchdog();
        var buffer = new byte[256];
        int len = await abstractSocket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal($"WATCHDOG=1\nMAINPID={Environment.ProcessId}", Encoding.UTF8.GetString(buffer, 0, len));

        Assert.Throws<FormatException>(() => SdNotify.Open("relative/path"));
    }

    [Theory]
    [InlineData(null, null, null)]
    [InlineData("30000000", null, 15_000_000L)]
    [InlineData("400000", "SELF", 200_000L)]
    [InlineData("400000", "1", null)]
    [InlineData("999999999999999", null, 43_200_000_000L)] // capped at a day, pinged every 12 h
    public void Watchdog_interval_is_half_of_WATCHDOG_USEC_for_this_process(string? usec, string? pid, long? expectedMicroseconds)
    {
        string? pidText = pid == "SELF" ? Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) : pid;
        TimeSpan? interval = Watchdog.PingInterval(usec, pidText);
        Assert.Equal(expectedMicroseconds, interval is { } i ? (long)i.TotalMicroseconds : null);
    }

    [Theory]
    [InlineData("0", null)]
    [InlineData("-5", null)]
    [InlineData("12s", null)]
    [InlineData("1000", "x")]
    public void Bad_watchdog_variables_are_errors(string usec, string? pid) =>
        Assert.Throws<FormatException>(() => Watchdog.PingInterval(usec, pid));

    [Fact]
    public async Task Journal_entries_use_the_native_protocol_with_structured_fields()
    {
        string dir = Directory.CreateTempSubdirectory("fobnail-journal-").FullName;
        try
        {
            string path = Path.Combine(dir, "socket");
            using var journal = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            journal.Bind(new UnixDomainSocketEndPoint(path));
            using var sink = new JournalSink("fobnail-init", path);
            using var log = new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(sink).CreateLogger();

            log.ForContext("Verdict", "NOT_TRUSTED").Warning("verdict ({Why}): {Detail}", "plug", "PCR 1 differs");
            Dictionary<string, string> e = Parse(await Receive(journal));
            Assert.Equal("verdict (plug): PCR 1 differs", e["MESSAGE"]);
            Assert.Equal("4", e["PRIORITY"]);
            Assert.Equal("fobnail-init", e["SYSLOG_IDENTIFIER"]);
            Assert.Equal("NOT_TRUSTED", e["FOBNAIL_VERDICT"]);
            Assert.Equal("plug", e["FOBNAIL_WHY"]);
            Assert.Equal("PCR 1 differs", e["FOBNAIL_DETAIL"]);

            // A newline in a value: the binary form (name, newline, 64-bit LE length, bytes, newline).
            log.Error("two\nlines");
            e = Parse(await Receive(journal));
            Assert.Equal("two\nlines", e["MESSAGE"]);
            Assert.Equal("3", e["PRIORITY"]);

            // A huge message is cut to the entry bound, never dropped or split.
            log.Information("{Big}", new string('x', 1_000_000));
            byte[] big = await Receive(journal);
            Assert.InRange(big.Length, 1, JournalSink.MaxEntryBytes);
            Assert.StartsWith("xxxx", Parse(big)["MESSAGE"]);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Theory]
    [InlineData("Verdict", "FOBNAIL_VERDICT")]
    [InlineData("platform-id", "FOBNAIL_PLATFORMID")]
    [InlineData("ü", "")]
    public void Journal_field_names_follow_the_journal_rules(string property, string field) =>
        Assert.Equal(field, JournalSink.FieldName(property));

    [Fact]
    public void Stdout_lines_carry_the_sd_daemon_priority_prefix()
    {
        var output = new StringWriter();
        using var log = new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(new StdoutSink(output)).CreateLogger();
        log.Fatal("daemon: {Error}", "gone");
        log.Debug("a\nb");
        Assert.Equal("<2>daemon: gone\n<7>a b\n", output.ToString().Replace("\r\n", "\n"));
    }

    [Fact]
    public async Task The_shipped_unit_file_passes_systemd_analyze_verify()
    {
        string dir = Directory.CreateTempSubdirectory("fobnail-unit-").FullName;
        try
        {
            // verify checks that ExecStart exists: point it at a real executable, keep everything else as shipped.
            string unit = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "dist", "systemd", "fobnail-init.service"));
            Assert.Contains("ExecStart=/usr/bin/fobnail-init daemon", unit);
            string copy = Path.Combine(dir, "fobnail-init.service");
            File.WriteAllText(copy, unit.Replace("ExecStart=/usr/bin/fobnail-init daemon", "ExecStart=/usr/bin/true daemon"));
            CommandResult r = await Tool.RunAsync("systemd-analyze", ["verify", "--man=no", copy]);
            Assert.True(r.ExitCode == 0 && r.Stderr.Trim().Length == 0, r.ToString());
            foreach (string line in new[] { "Type=notify", "WatchdogSec=", "ProtectSystem=strict", "PrivateTmp=yes", "NoNewPrivileges=yes",
                         "CapabilityBoundingSet=CAP_NET_ADMIN CAP_SYS_BOOT", "DeviceAllow=/dev/tpmrm0 rw", "RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET" })
                Assert.Contains(line, unit);

            // And the test can fail: a misspelt directive is reported.
            File.WriteAllText(copy, unit.Replace("ExecStart=/usr/bin/fobnail-init daemon", "ExecStart=/usr/bin/true daemon").Replace("PrivateTmp=yes", "PrivateTemp=yes"));
            CommandResult bad = await Tool.RunAsync("systemd-analyze", ["verify", "--man=no", copy]);
            Assert.Contains("PrivateTemp", bad.Stderr);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>The notifier's user unit, verified as a user unit (`--user`; a runtime directory of its own).</summary>
    [Fact]
    public async Task The_shipped_user_unit_of_the_notifier_passes_systemd_analyze_verify_user()
    {
        string dir = Directory.CreateTempSubdirectory("fobnail-user-unit-").FullName;
        try
        {
            string runtime = Directory.CreateDirectory(Path.Combine(dir, "runtime")).FullName;
            File.SetUnixFileMode(runtime, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            string unit = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "dist", "systemd", "user", "fobnail-notify.service"));
            Assert.Contains("ExecStart=/usr/bin/fobnail-init notify", unit);
            foreach (string line in new[] { "Restart=on-failure", "PartOf=graphical-session.target", "WantedBy=graphical-session.target", "RestrictAddressFamilies=AF_UNIX" })
                Assert.Contains(line, unit);
            async Task<CommandResult> Verify(string text)
            {
                string copy = Path.Combine(dir, "fobnail-notify.service");
                File.WriteAllText(copy, text.Replace("ExecStart=/usr/bin/fobnail-init notify", "ExecStart=/usr/bin/true notify"));
                return await Command.RunAsync("systemd-analyze", ["verify", "--man=no", "--user", copy],
                    new CommandOptions { Environment = new Dictionary<string, string?> { ["XDG_RUNTIME_DIR"] = runtime }, Timeout = TimeSpan.FromSeconds(60) });
            }
            CommandResult r = await Verify(unit);
            Assert.True(r.ExitCode == 0 && r.Stderr.Trim().Length == 0, r.ToString());
            CommandResult bad = await Verify(unit.Replace("LockPersonality=yes", "LockPersonalty=yes"));
            Assert.Contains("Unknown key 'LockPersonalty'", bad.Stderr);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static async Task<byte[]> Receive(Socket s)
    {
        var buffer = new byte[256 * 1024];
        int n = await s.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(60));
        return buffer[..n];
    }

    /// <summary>The journal's side of the native protocol (both field forms).</summary>
    private static Dictionary<string, string> Parse(byte[] d)
    {
        var fields = new Dictionary<string, string>();
        int i = 0;
        while (i < d.Length)
        {
            int nl = Array.IndexOf(d, (byte)'\n', i);
            int eq = Array.IndexOf(d, (byte)'=', i, nl - i);
            if (eq >= 0)
            {
                fields[Encoding.ASCII.GetString(d, i, eq - i)] = Encoding.UTF8.GetString(d, eq + 1, nl - eq - 1);
                i = nl + 1;
            }
            else
            {
                string name = Encoding.ASCII.GetString(d, i, nl - i);
                int len = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(d.AsSpan(nl + 1, 8)));
                fields[name] = Encoding.UTF8.GetString(d, nl + 9, len);
                Assert.Equal((byte)'\n', d[nl + 9 + len]);
                i = nl + 10 + len;
            }
        }
        return fields;
    }
}
