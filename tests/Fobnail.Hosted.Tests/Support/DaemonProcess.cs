namespace Fobnail.Hosted.Tests.Support;

/// <summary>`fobnail-init daemon` as a process (<see cref="FobnailInitProcess"/>), its log lines collected.</summary>
internal sealed class DaemonProcess : IAsyncDisposable
{
    private readonly LoggedProcess _process;

    private DaemonProcess(LoggedProcess process) => _process = process;

    public string Log => _process.Transcript;

    public int Pid => _process.Pid;

    /// <summary>
    /// Starts the daemon on <paramref name="busAddress"/>. The TPM is an swtpm port nobody listens on: these tests
    /// never get as far as attesting (no token is plugged in), they are about the service's life cycle.
    /// </summary>
    public static DaemonProcess Start(string busAddress, IDictionary<string, string>? environment = null, bool asNobody = false)
    {
        // Not the test runner's systemd context: the daemon must not notify or log to whatever started the tests.
        var env = new Dictionary<string, string?>
        {
            ["NOTIFY_SOCKET"] = null, ["WATCHDOG_USEC"] = null, ["WATCHDOG_PID"] = null, ["JOURNAL_STREAM"] = null,
        };
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) env[k] = v;
        return new DaemonProcess(FobnailInitProcess.Start(
            ["daemon", "--bus-address", busAddress, "--tpm", "swtpm:127.0.0.1:9", "--log", "stdout", "--no-network-manager"],
            new CommandOptions { Environment = env, AsNobody = asNobody }));
    }

    public Task<int> WaitForExitAsync(int seconds = 90) => _process.WaitForExitAsync(TimeSpan.FromSeconds(seconds));

    public Task WaitForLogAsync(string text, int seconds = 90) =>
        _process.WaitForAsync(System.Text.RegularExpressions.Regex.Escape(text), TimeSpan.FromSeconds(seconds));

    /// <summary>SIGTERM, as `systemctl stop` sends it.</summary>
    public Task TerminateAsync() => _process.SignalAsync("TERM");

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
