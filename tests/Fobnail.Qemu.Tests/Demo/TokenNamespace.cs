using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Fobnail.Qemu.Tests.Demo;

/// <summary>
/// Where the "token" lives for a QEMU guest: a network namespace this object creates (and deletes) with a tap
/// device tap0 at 169.254.0.1/16, and the token emulator listening on 169.254.0.1:5683 inside it. QEMU runs in the
/// same namespace with <c>-netdev tap,id=n0,ifname=tap0</c>, so hot-plugging <c>usb-net,netdev=n0</c> into the
/// guest connects the guest's EEM-like interface to the emulator: the same addresses as a real token.
/// The emulator's state directory ("flash") lives as long as this object, so several boots see one token.
/// </summary>
public sealed class TokenNamespace : IAsyncDisposable
{
    private static int s_counter;
    private readonly List<string> _lines = [];
    private readonly StreamWriter _log;
    private Process? _emulator;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name { get; }
    public string StateDir { get; }
    public string LogPath { get; }

    public TokenNamespace(string name)
    {
        Name = $"fobnail-{name}-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}";
        if (Name.Length > 40) throw new ArgumentException("namespace name too long", nameof(name));
        StateDir = Directory.CreateTempSubdirectory("fobnail-token-state-").FullName;
        string logDir = Path.Combine(Repo.Root, "out", "test-logs");
        Directory.CreateDirectory(logDir);
        LogPath = Path.Combine(logDir, name + "-token.log");
        _log = new StreamWriter(LogPath, append: false) { AutoFlush = true };
        Tools.Run("ip", "netns", "add", Name);
        try
        {
            Tools.Run("ip", "-n", Name, "link", "set", "lo", "up");
            Tools.Run("ip", "-n", Name, "tuntap", "add", "dev", "tap0", "mode", "tap");
            Tools.Run("ip", "-n", Name, "addr", "add", "169.254.0.1/16", "dev", "tap0");
            Tools.Run("ip", "-n", Name, "link", "set", "tap0", "up");
        }
        catch
        {
            Tools.Run("ip", "netns", "del", Name);
            throw;
        }
    }

    /// <summary>QEMU's backend for the token's USB network device (hot-plug <c>usb-net,netdev=n0</c>).</summary>
    public static IReadOnlyList<string> QemuNetdev => ["-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no"];

    /// <summary>The built emulator (tests/Fobnail.Token.Emulator), Release or Debug, whichever is newer.</summary>
    public static string EmulatorDll
    {
        get
        {
            string bin = Path.Combine(Repo.Root, "tests", "Fobnail.Token.Emulator", "bin");
            var found = new[] { "Debug", "Release" }
                .Select(c => Path.Combine(bin, c, "net10.0", "fobnail-token-emulator.dll"))
                .Where(File.Exists).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault();
            return found ?? throw new InvalidOperationException(
                $"the token emulator is not built under {bin}: dotnet build tests/Fobnail.Token.Emulator");
        }
    }

    /// <summary>
    /// Starts (or restarts, keeping its flash) the emulator as a token its owner already provisioned, trusting the
    /// given EK roots, on 169.254.0.1:5683 in this namespace. <paramref name="reflash"/> wipes the token's state
    /// first (--reset), as re-flashing a real token would: it forgets every provisioned platform.
    /// </summary>
    public async Task StartEmulatorAsync(string ekRootsDir, bool reflash = false)
    {
        await StopEmulatorAsync();
        int from = LineCount;
        var psi = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (string a in (string[])["netns", "exec", Name, "dotnet", EmulatorDll, "--provisioned",
                     "--state", StateDir, "--ek-roots", ekRootsDir, "--listen", "169.254.0.1:5683", "--log-level", "Debug", .. (reflash ? (string[])["--reset"] : [])])
            psi.ArgumentList.Add(a);
        _emulator = Process.Start(psi) ?? throw new InvalidOperationException("cannot start the token emulator");
        _emulator.OutputDataReceived += (_, e) => Add(e.Data);
        _emulator.ErrorDataReceived += (_, e) => Add(e.Data);
        _emulator.BeginOutputReadLine();
        _emulator.BeginErrorReadLine();
        await WaitForAsync(@"emulator listening on 169\.254\.0\.1:5683", TimeSpan.FromSeconds(60), from);
    }

    private void Add(string? line)
    {
        if (line is null) return;
        lock (_lines)
        {
            _lines.Add(line);
            _log.WriteLine(line);
            _changed.TrySetResult();
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public string Transcript { get { lock (_lines) return string.Join('\n', _lines); } }

    /// <summary>Waits for an emulator log line matching <paramref name="pattern"/> at or after line <paramref name="from"/>.</summary>
    public async Task<(Match Match, int Line)> WaitForAsync(string pattern, TimeSpan timeout, int from = 0)
    {
        var regex = new Regex(pattern);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Task changed;
            lock (_lines)
            {
                for (int i = from; i < _lines.Count; i++)
                    if (regex.Match(_lines[i]) is { Success: true } m) return (m, i);
                changed = _changed.Task;
            }
            if (_emulator is { HasExited: true })
                throw new InvalidOperationException($"the token emulator exited before /{pattern}/; see {LogPath}");
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || await Task.WhenAny(changed, Task.Delay(left)) != changed)
                throw new TimeoutException($"no token emulator line matched /{pattern}/ within {timeout.TotalSeconds:F0}s; see {LogPath}");
        }
    }

    /// <summary>
    /// Freezes the emulator (SIGSTOP): its socket stays bound, so the guest's requests get no answer and no ICMP
    /// error either, like a token whose firmware hangs. Killing it later still works (SIGKILL ends a stopped process).
    /// </summary>
    public void Freeze() =>
        Tools.Run("kill", "-STOP", (_emulator ?? throw new InvalidOperationException("the emulator is not running")).Id.ToString());

    public int LineCount { get { lock (_lines) return _lines.Count; } }

    private async Task StopEmulatorAsync()
    {
        if (_emulator is null) return;
        if (!_emulator.HasExited) _emulator.Kill(entireProcessTree: true);
        await _emulator.WaitForExitAsync();
        _emulator.Dispose();
        _emulator = null;
    }

    public async ValueTask DisposeAsync()
    {
        try { await StopEmulatorAsync(); }
        finally
        {
            try { Tools.Run("ip", "netns", "del", Name); }
            finally
            {
                Directory.Delete(StateDir, recursive: true);
                lock (_lines) _log.Dispose();
            }
        }
    }
}
