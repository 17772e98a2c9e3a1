using System.Text.RegularExpressions;
using Fobnail.Testing.Processes;

namespace Fobnail.Hosted.Tests.Support;

/// <summary>
/// dunst, a real notification server (Debian's `dunst`), on a session bus, drawing on an Xvfb display (it needs
/// one; nothing is looked at) and, with `-print`, writing every notification it receives to stdout as a block of
/// `key: value` lines: what the desktop would show, read back.
/// </summary>
internal sealed partial class Dunst : IAsyncDisposable
{
    private readonly LoggedProcess _xvfb;
    private readonly LoggedProcess _dunst;
    private int _read; // stdout lines already returned as notifications

    private Dunst(LoggedProcess xvfb, LoggedProcess dunst)
    {
        _xvfb = xvfb;
        _dunst = dunst;
    }

    /// <summary>Starts Xvfb on a free display, then dunst on <paramref name="sessionAddress"/>; returns once dunst owns org.freedesktop.Notifications.</summary>
    public static async Task<Dunst> StartAsync(string sessionAddress)
    {
        var options = new CommandOptions { Timeout = TimeSpan.FromMinutes(30) };
        LoggedProcess? xvfb = null;
        string display = "";
        // A display number nobody uses (another test run's Xvfb may hold one): X refuses a taken one and exits.
        for (int n = 140 + Random.Shared.Next(40); xvfb is null; n++)
        {
            if (n > 199) throw new InvalidOperationException("no free X display number in :140-:199 for Xvfb");
            if (File.Exists($"/tmp/.X{n}-lock") || File.Exists($"/tmp/.X11-unix/X{n}")) continue;
            var x = LoggedProcess.Start("xvfb", "Xvfb", [$":{n}", "-screen", "0", "640x480x24", "-nolisten", "tcp"], options: options);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (!File.Exists($"/tmp/.X11-unix/X{n}") && !x.HasExited && !wait.IsCancellationRequested) await Task.Delay(50);
            if (File.Exists($"/tmp/.X11-unix/X{n}") && !x.HasExited) { xvfb = x; display = $":{n}"; }
            else await x.DisposeAsync();
        }
        var env = new Dictionary<string, string?> { ["DISPLAY"] = display, ["DBUS_SESSION_BUS_ADDRESS"] = sessionAddress, ["XDG_CONFIG_HOME"] = "/nonexistent" };
        LoggedProcess dunst = LoggedProcess.Start("dunst", "dunst", ["-print"], options: options with { Environment = env });
        var d = new Dunst(xvfb, dunst);
        for (int attempt = 0; ; attempt++)
        {
            CommandResult owner = await Tool.Busctl(sessionAddress, "call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                                    "NameHasOwner", "s", "org.freedesktop.Notifications");
            if (owner.Stdout.Trim() == "b true") return d;
            if (dunst.HasExited || attempt == 300)
            {
                string log = dunst.Transcript;
                await d.DisposeAsync();
                throw new InvalidOperationException($"dunst did not take org.freedesktop.Notifications: {log}");
            }
            await Task.Delay(100);
        }
    }

    [GeneratedRegex(@"^\t(\w+): '?(.*?)'?$")]
    private static partial Regex Field();

    /// <summary>The next notification dunst printed: its single-line fields (appname, summary, body, icon, urgency, id, ...).</summary>
    public async Task<Dictionary<string, string>> NextAsync(int seconds = 60)
    {
        var (_, end) = await _dunst.WaitForAsync("^}$", TimeSpan.FromSeconds(seconds), _read);
        // The transcript's lines are what WaitForAsync counts (stdout and stderr in arrival order).
        string[] lines = _dunst.Transcript.Split('\n');
        var fields = new Dictionary<string, string>();
        int start = Array.LastIndexOf(lines, "{", Math.Min(end, lines.Length - 1));
        for (int i = start + 1; i >= 1 && i < end && i < lines.Length; i++)
            if (Field().Match(lines[i]) is { Success: true } m) fields.TryAdd(m.Groups[1].Value, m.Groups[2].Value);
        _read = end + 1;
        return fields;
    }

    public async ValueTask DisposeAsync()
    {
        await _dunst.DisposeAsync();
        await _xvfb.DisposeAsync();
    }
}
