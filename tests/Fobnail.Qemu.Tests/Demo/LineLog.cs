using System.Text.RegularExpressions;

namespace Fobnail.Qemu.Tests.Demo;

/// <summary>
/// The output lines of a helper process (token emulator, USB twin), kept in memory for waiting and copied to a
/// file under out/test-logs/.
/// </summary>
internal sealed class LineLog(string path, string what, Func<bool> ended) : IDisposable
{
    private readonly List<string> _lines = [];
    private readonly StreamWriter _file = new(path, append: false) { AutoFlush = true };
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Path { get; } = path;

    public void Add(string? line)
    {
        if (line is null) return;
        lock (_lines)
        {
            _lines.Add(line);
            _file.WriteLine(line);
            _changed.TrySetResult();
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

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
                throw new InvalidOperationException($"the {what} exited before /{pattern}/; see {Path}");
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || await Task.WhenAny(changed, Task.Delay(left)) != changed)
                throw new TimeoutException($"no {what} line matched /{pattern}/ within {timeout.TotalSeconds:F0}s; see {Path}");
        }
    }

    public void Dispose()
    {
        lock (_lines) _file.Dispose();
    }
}
