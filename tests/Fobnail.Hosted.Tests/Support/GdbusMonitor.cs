using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Fobnail.Hosted.DBus;
using Tmds.DBus.Protocol;

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

    /// <summary>
    /// Starts `gdbus monitor --dest <paramref name="dest"/>` and returns once it receives the signals of the name's
    /// owner, <paramref name="owner"/> (a connection owning <paramref name="dest"/>).
    /// </summary>
    public static async Task<GdbusMonitor> StartAsync(string address, string dest, DBusConnection owner)
    {
        // stdbuf: gdbus writes through stdio, block-buffered on a pipe.
        var psi = new ProcessStartInfo("stdbuf") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "-oL", "gdbus", "monitor", "--address", address, "--dest", dest }) psi.ArgumentList.Add(a);
        var m = new GdbusMonitor(Process.Start(psi)!);
        await m.NextLineAsync(l => l.Contains("is owned by"));
        // gdbus prints that line *before* it sends its AddMatch for the owner's signals (gdbus-tool.c,
        // monitor_on_name_appeared), so a signal sent right after it can be missed: the owner sends probe signals
        // until one comes through.
        for (int probe = 1; ; probe++)
        {
            MessageBuffer signal = BusMessages.Build(owner, (ref MessageWriter w) =>
            {
                w.WriteSignalHeader(null, "/org/fobnail/Test", "org.fobnail.Test", "Probe", "u");
                w.WriteUInt32((uint)probe);
            });
            if (!owner.TrySendMessage(signal)) throw new InvalidOperationException("could not send the probe signal");
            try
            {
                await m.NextLineAsync(l => l.Contains("org.fobnail.Test.Probe"), seconds: 1);
                return m;
            }
            catch (OperationCanceledException) when (probe < 60)
            {
            }
        }
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
