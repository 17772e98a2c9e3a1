using System.Text.RegularExpressions;

namespace Fobnail.Testing.Processes;

/// <summary>
/// The output lines of a process the test runs next to it (token emulator, USB twin, daemon, QEMU's serial
/// console), kept in memory for waiting on and, with a path, copied to a file (out/test-logs/) as they arrive.
/// </summary>
public sealed class LineLog(string? path, string what, Func<bool> ended) : IDisposable
{
    private readonly List<string> _lines = [];
    private readonly StreamWriter? _file = path is null ? null : new(path, append: false) { AutoFlush = true };
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The copy on disk, or null when the lines are kept in memory only.</summary>
    public string? Path { get; } = path;

    /// <summary>Adds a line; null (the end of a stream) adds none but wakes waiters, who then ask whether the process ended.</summary>
    public void Add(string? line)
    {
        lock (_lines)
        {
            if (line is null)
            {
                _changed.TrySetResult();
                _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
                return;
            }
            _lines.Add(line);
            _file?.WriteLine(line);
            _changed.TrySetResult();
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>A remark for the file only (a command line, what the test did): not a line of the process.</summary>
    public void Note(string text)
    {
        lock (_lines) _file?.WriteLine("# " + text);
    }

    public IReadOnlyList<string> Lines { get { lock (_lines) return _lines.ToArray(); } }

    public int LineCount { get { lock (_lines) return _lines.Count; } }

    public string Transcript { get { lock (_lines) return string.Join('\n', _lines); } }

    /// <summary>Waits for a line matching <paramref name="pattern"/> at or after line <paramref name="from"/>.</summary>
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
            if (ended())
                throw new InvalidOperationException($"the {what} exited before /{pattern}/; {Where}");
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || await Task.WhenAny(changed, Task.Delay(left)) != changed)
                throw new TimeoutException($"no {what} line matched /{pattern}/ within {timeout.TotalSeconds:F0}s; {Where}");
        }
    }

    /// <summary>Where to read the lines in a failure message: the file, and the last lines themselves (CI shows those).</summary>
    private string Where
    {
        get
        {
            lock (_lines) return (Path is null ? "" : $"see {Path}; ") + "last lines:\n" + string.Join('\n', _lines.TakeLast(40));
        }
    }

    public void Dispose()
    {
        lock (_lines) _file?.Dispose();
    }
}
