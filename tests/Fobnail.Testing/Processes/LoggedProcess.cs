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
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];

    private LoggedProcess(LineLog log, bool ownsLog, string file, IEnumerable<string> args, CommandOptions? options)
    {
        _log = log;
        _ownsLog = ownsLog;
        _process = StartInto(log, file, args, options);
    }

    /// <summary>Starts <paramref name="file"/>; <paramref name="logPath"/> (optional) gets a copy of every line.</summary>
    public static LoggedProcess Start(string what, string file, IEnumerable<string> args, string? logPath = null, CommandOptions? options = null)
    {
        if (logPath is not null) Directory.CreateDirectory(System.IO.Path.GetDirectoryName(logPath)!);
        LoggedProcess? started = null;
        var log = new LineLog(logPath, what, () => started is { HasExited: true });
        started = new LoggedProcess(log, ownsLog: true, file, args, options);
        return started;
    }

    /// <summary>
    /// Starts <paramref name="file"/> with its lines appended to <paramref name="log"/>, which outlives it: a
    /// program restarted during a test (the token emulator keeping its flash) keeps one transcript.
    /// </summary>
    public static LoggedProcess StartWithLog(LineLog log, string file, IEnumerable<string> args, CommandOptions? options = null) =>
        new(log, ownsLog: false, file, args, options);

    private Process StartInto(LineLog log, string file, IEnumerable<string> args, CommandOptions? options)
    {
        ProcessStartInfo psi = Command.StartInfo(file, args, options ?? new CommandOptions());
        var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => Add(_stdout, e.Data, log);
        process.ErrorDataReceived += (_, e) => Add(_stderr, e.Data, log);
        if (!process.Start()) throw new InvalidOperationException($"cannot start {file}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    // Each stream also keeps its own lines, for tests whose assertions tell stdout from stderr.
    private static void Add(List<string> stream, string? line, LineLog log)
    {
        if (line is not null) lock (stream) stream.Add(line);
        log.Add(line);
    }

    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public string? LogPath => _log.Path;
    public int LineCount => _log.LineCount;
    public string Transcript => _log.Transcript;

    /// <summary>The stdout lines alone (complete once <see cref="WaitForExitAsync"/> returned).</summary>
    public IReadOnlyList<string> StdoutLines { get { lock (_stdout) return _stdout.ToArray(); } }

    /// <summary>The stderr lines alone (complete once <see cref="WaitForExitAsync"/> returned).</summary>
    public IReadOnlyList<string> StderrLines { get { lock (_stderr) return _stderr.ToArray(); } }

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
