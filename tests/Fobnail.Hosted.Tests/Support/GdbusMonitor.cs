using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;

namespace Fobnail.Hosted.Tests.Support;

/// <summary>`gdbus monitor` on a bus name: the signals an independent client receives, line by line.</summary>
internal sealed class GdbusMonitor : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly ConcurrentQueue<string> _all = new();

    private GdbusMonitor(Process process)
    {
        _process = process;
        _ = PumpAsync();
    }

    public IEnumerable<string> Lines => _all;

    public static async Task<GdbusMonitor> StartAsync(string address, string dest)
    {
        // stdbuf: gdbus writes through stdio, block-buffered on a pipe.
        var psi = new ProcessStartInfo("stdbuf") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "-oL", "gdbus", "monitor", "--address", address, "--dest", dest }) psi.ArgumentList.Add(a);
        var m = new GdbusMonitor(Process.Start(psi)!);
        // gdbus has added its match rules once it reports the name's owner.
        await m.NextLineAsync(l => l.Contains("is owned by"));
        return m;
    }

    private async Task PumpAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            _all.Enqueue(line);
            _lines.Writer.TryWrite(line);
        }
        _lines.Writer.TryComplete();
    }

    public async Task<string> NextLineAsync(Func<string, bool> match, int seconds = 60)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        await foreach (string line in _lines.Reader.ReadAllAsync(cts.Token))
            if (match(line)) return line;
        throw new InvalidOperationException("gdbus monitor ended: " + await _process.StandardError.ReadToEndAsync());
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
