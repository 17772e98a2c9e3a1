using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Fobnail.Testing.Processes;

/// <summary>
/// A program that runs next to the test (token emulator, USB twin, daemon, gdbus monitor) with its stdout and
/// stderr lines in a <see cref="LineLog"/>, so the test waits for what it says rather than for time to pass.
/// Disposing kills it (and its children) if it still runs.
/// </summary>
public sealed class LoggedProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly LineLog _log;
    private readonly bool _ownsLog;

    private LoggedProcess(Process process, LineLog log, bool ownsLog)
    {
        _process = process;
        _log = log;
        _ownsLog = ownsLog;
    }

    /// <summary>Starts <paramref name="file"/>; <paramref name="logPath"/> (optional) gets a copy of every line.</summary>
    public static LoggedProcess Start(string what, string file, IEnumerable<string> args, string? logPath = null, CommandOptions? options = null)
    {
        if (logPath is not null) Directory.CreateDirectory(System.IO.Path.GetDirectoryName(logPath)!);
        Process? started = null;
        var log = new LineLog(logPath, what, () => started is { HasExited: true });
        started = StartInto(log, file, args, options);
        return new LoggedProcess(started, log, ownsLog: true);
    }

    /// <summary>
    /// Starts <paramref name="file"/> with its lines appended to <paramref name="log"/>, which outlives it: a
    /// program restarted during a test (the token emulator keeping its flash) keeps one transcript.
    /// </summary>
    public static LoggedProcess StartWithLog(LineLog log, string file, IEnumerable<string> args, CommandOptions? options = null) =>
        new(StartInto(log, file, args, options), log, ownsLog: false);

    private static Process StartInto(LineLog log, string file, IEnumerable<string> args, CommandOptions? options)
    {
        ProcessStartInfo psi = Command.StartInfo(file, args, options ?? new CommandOptions());
        var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => log.Add(e.Data);
        process.ErrorDataReceived += (_, e) => log.Add(e.Data);
        if (!process.Start()) throw new InvalidOperationException($"cannot start {file}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public string? LogPath => _log.Path;
    public int LineCount => _log.LineCount;
    public string Transcript => _log.Transcript;

    /// <summary>Waits for a line matching <paramref name="pattern"/> at or after line <paramref name="from"/>.</summary>
    public Task<(Match Match, int Line)> WaitForAsync(string pattern, TimeSpan timeout, int from = 0) =>
        _log.WaitForAsync(pattern, timeout, from);

    /// <summary>Waits for the exit and for the last output line; <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the {_process.StartInfo.FileName} process did not exit within {timeout.TotalSeconds:F0} s; last lines:\n{Tail()}");
        }
        // The parameterless wait also waits for the redirected streams to reach their end.
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    /// <summary>Sends <paramref name="signal"/> (e.g. TERM, STOP) with kill(1).</summary>
    public Task SignalAsync(string signal) =>
        Command.RunAsync("kill", [$"-{signal}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

    /// <summary>SIGKILL to it and its children; returns once it is gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    private string Tail() => string.Join('\n', _log.Transcript.Split('\n').TakeLast(40));

    public async ValueTask DisposeAsync()
    {
        try { await KillAsync(); }
        finally
        {
            _process.Dispose();
            if (_ownsLog) _log.Dispose();
        }
    }
}
