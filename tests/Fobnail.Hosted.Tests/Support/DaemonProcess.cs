using System.Collections.Concurrent;
using System.Diagnostics;

namespace Fobnail.Hosted.Tests.Support;

/// <summary>`fobnail-init daemon` as a process (fobnail-init.dll under dotnet), its stdout log collected.</summary>
internal sealed class DaemonProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly Task _pump;

    private DaemonProcess(Process process)
    {
        _process = process;
        _pump = Task.WhenAll(Pump(process.StandardOutput), Pump(process.StandardError));
    }

    public string Log => string.Join('\n', _lines);

    public int Pid => _process.Id;

    /// <summary>
    /// Starts the daemon on <paramref name="busAddress"/>. The TPM is an swtpm port nobody listens on: these tests
    /// never get as far as attesting (no token is plugged in), they are about the service's life cycle.
    /// </summary>
    public static DaemonProcess Start(string busAddress, IDictionary<string, string>? environment = null, bool asNobody = false)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "fobnail-init.dll");
        var psi = new ProcessStartInfo(asNobody ? "setpriv" : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (asNobody)
            foreach (string a in new[] { "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", "dotnet" }) psi.ArgumentList.Add(a);
        foreach (string a in new[] { dll, "daemon", "--bus-address", busAddress, "--tpm", "swtpm:127.0.0.1:9", "--log", "stdout", "--no-network-manager" })
            psi.ArgumentList.Add(a);
        psi.Environment.Remove("NOTIFY_SOCKET");
        psi.Environment.Remove("WATCHDOG_USEC");
        psi.Environment.Remove("WATCHDOG_PID");
        psi.Environment.Remove("JOURNAL_STREAM");
        if (asNobody) psi.Environment["HOME"] = "/nonexistent";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        return new DaemonProcess(Process.Start(psi)!);
    }

    private async Task Pump(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line) _lines.Enqueue(line);
    }

    public async Task<int> WaitForExitAsync(int seconds = 90)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        await _process.WaitForExitAsync(cts.Token);
        await _pump;
        return _process.ExitCode;
    }

    public async Task WaitForLogAsync(string text, int seconds = 90)
    {
        var sw = Stopwatch.StartNew();
        while (!Log.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || sw.Elapsed > TimeSpan.FromSeconds(seconds))
                throw new TimeoutException($"daemon log never said '{text}':\n{Log}");
            await Task.Delay(50);
        }
    }

    /// <summary>SIGTERM, as `systemctl stop` sends it.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
