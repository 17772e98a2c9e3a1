using Fobnail.Testing.Network;
using System.Text.RegularExpressions;

namespace Fobnail.Qemu.Tests.Demo;

/// <summary>
/// Where the "token" lives for a QEMU guest: a network namespace this object creates (and deletes) with a tap
/// device tap0 at 169.254.0.1/16, and the token emulator listening on 169.254.0.1:5683 inside it. The token's USB
/// twin (<see cref="UsbTwin"/>) carries tap0's frames over CDC EEM, so hot-plugging it into the guest connects the
/// guest's cdc_eem interface to the emulator: the same USB identity and addresses as a real token.
/// The emulator's state directory ("flash") lives as long as this object, so several boots see one token.
/// </summary>
public sealed class TokenNamespace : IAsyncDisposable
{
    private readonly NetworkNamespace _ns;
    private readonly LineLog _log;
    private LoggedProcess? _emulator;

    public string Name => _ns.Name;
    public string StateDir { get; }
    public string LogPath => _log.Path!;

    public TokenNamespace(string name)
    {
        string logDir = Path.Combine(Repo.Root, "out", "test-logs");
        Directory.CreateDirectory(logDir);
        _log = new LineLog(Path.Combine(logDir, name + "-token.log"), "token emulator", () => _emulator is { HasExited: true });
        StateDir = Directory.CreateTempSubdirectory("fobnail-token-state-").FullName;
        _ns = new NetworkNamespace("tok");
        try
        {
            _ns.AddTap("tap0", "169.254.0.1/16");
        }
        catch
        {
            _ns.Dispose();
            throw;
        }
    }

    /// <summary>The built emulator (tests/Fobnail.Token.Emulator), Release or Debug, whichever is newer.</summary>
    public static string EmulatorDll => Tools.BuiltDll("Fobnail.Token.Emulator", "fobnail-token-emulator.dll");

    /// <summary>
    /// Starts (or restarts, keeping its flash) the emulator as a token its owner already provisioned, trusting the
    /// given EK roots, on 169.254.0.1:5683 in this namespace. <paramref name="reflash"/> wipes the token's state
    /// first (--reset), as re-flashing a real token would: it forgets every provisioned platform.
    /// </summary>
    public async Task StartEmulatorAsync(string ekRootsDir, bool reflash = false)
    {
        await StopEmulatorAsync();
        int from = LineCount;
        _emulator = LoggedProcess.StartWithLog(_log, "dotnet",
            [EmulatorDll, "--provisioned", "--state", StateDir, "--ek-roots", ekRootsDir, "--listen", "169.254.0.1:5683",
             "--log-level", "Debug", .. (reflash ? (string[])["--reset"] : [])],
            _ns.Options);
        await WaitForAsync(@"emulator listening on 169\.254\.0\.1:5683", TimeSpan.FromSeconds(60), from);
    }

    /// <summary>Everything the emulator said, across restarts.</summary>
    public string Transcript => _log.Transcript;

    /// <summary>Waits for an emulator log line matching <paramref name="pattern"/> at or after line <paramref name="from"/>.</summary>
    public Task<(Match Match, int Line)> WaitForAsync(string pattern, TimeSpan timeout, int from = 0) =>
        _log.WaitForAsync(pattern, timeout, from);

    /// <summary>
    /// Freezes the emulator (SIGSTOP): its socket stays bound, so the guest's requests get no answer and no ICMP
    /// error either, like a token whose firmware hangs. Killing it later still works (SIGKILL ends a stopped process).
    /// </summary>
    public Task FreezeAsync() =>
        (_emulator ?? throw new InvalidOperationException("the emulator is not running")).SignalAsync("STOP");

    public int LineCount => _log.LineCount;

    private async Task StopEmulatorAsync()
    {
        if (_emulator is null) return;
        await _emulator.DisposeAsync();
        _emulator = null;
    }

    public async ValueTask DisposeAsync()
    {
        try { await StopEmulatorAsync(); }
        finally
        {
            try { _ns.Dispose(); }
            finally
            {
                Directory.Delete(StateDir, recursive: true);
                _log.Dispose();
            }
        }
    }
}
