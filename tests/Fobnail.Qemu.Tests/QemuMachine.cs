using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Fobnail.Qemu.Tests;

/// <summary>
/// A QEMU (TCG; KVM hangs on the build machines) guest booting the Debian test kernel (or another) with our initramfs. The
/// serial console is captured line by line (and saved under out/test-logs/), the HMP monitor is reachable on a
/// unix socket for hotplug (device_add/device_del), and the guest can run inside a network namespace.
/// </summary>
public sealed class QemuMachine : IAsyncDisposable
{
    public sealed record Options
    {
        public required string Name { get; init; }
        public string KernelParameters { get; init; } = "";
        public IReadOnlyList<string> ExtraArguments { get; init; } = [];
        /// <summary>Run QEMU inside this network namespace (ip netns exec), e.g. next to a tap device.</summary>
        public string? NetNamespace { get; init; }
        public int MemoryMiB { get; init; } = 512;
        /// <summary>The initramfs QEMU passes (-initrd); default out/initramfs.cpio.xz, "" for none (a kernel with one built in).</summary>
        public string? Initramfs { get; init; }
        /// <summary>The kernel to boot; default <see cref="Repo.Kernel"/>.</summary>
        public string? Kernel { get; init; }
    }

    private readonly Process _process;
    private readonly LineLog _serial;
    private readonly string _monitorPath;
    private readonly Task _reader;
    private volatile bool _serialEnded;

    public string LogPath => _serial.Path!;

    private QemuMachine(Process process, string monitorPath, LineLog serial)
    {
        _process = process;
        _monitorPath = monitorPath;
        _serial = serial;
        _reader = Task.Run(ReadSerialAsync);
    }

    public static QemuMachine Start(Options options)
    {
        string logDir = Path.Combine(Repo.Root, "out", "test-logs");
        Directory.CreateDirectory(logDir);
        string logPath = Path.Combine(logDir, options.Name + ".log");
        string monitor = Path.Combine(Path.GetTempPath(), $"fobnail-qemu-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");

        var qemu = new List<string>
        {
            "qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-m", options.MemoryMiB.ToString(), "-smp", "1",
            "-display", "none", "-vga", "none", "-serial", "stdio", "-no-reboot",
            "-monitor", $"unix:{monitor},server=on,wait=off",
            "-kernel", options.Kernel ?? Repo.Kernel,
            // panic=-1: a kernel panic (e.g. PID 1 exiting) reboots at once, and -no-reboot turns that into a
            // QEMU exit, so a test sees it instead of waiting for its timeout.
            "-append", $"console=ttyS0 loglevel=4 panic=-1 {options.KernelParameters}".Trim(),
        };
        string initramfs = options.Initramfs ?? Repo.Initramfs;
        if (initramfs.Length > 0) qemu.AddRange(["-initrd", initramfs]);
        qemu.AddRange(options.ExtraArguments);
        if (options.NetNamespace is { } ns) qemu.InsertRange(0, ["ip", "netns", "exec", ns]);

        var psi = new ProcessStartInfo(qemu[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in qemu.Skip(1)) psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start qemu");
        QemuMachine? machine = null;
        var serial = new LineLog(logPath, "QEMU serial console", () => machine is { _serialEnded: true });
        serial.Note(string.Join(' ', qemu));
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) serial.Note("stderr: " + e.Data); };
        process.BeginErrorReadLine();
        return machine = new QemuMachine(process, monitor, serial);
    }

    private async Task ReadSerialAsync()
    {
        var reader = _process.StandardOutput;
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } raw)
        {
            // Strip CR and terminal control sequences (SeaBIOS clears the screen).
            _serial.Add(Regex.Replace(raw, @"\x1b\[[0-9;?]*[A-Za-z]|\r|\x1bc", ""));
        }
        _serialEnded = true;
        _serial.Add(null);
    }

    private string Tail() => string.Join('\n', Lines.TakeLast(40));

    public IReadOnlyList<string> Lines => _serial.Lines;

    public string Transcript => _serial.Transcript;

    /// <summary>Waits for a serial line matching <paramref name="pattern"/> at or after line <paramref name="from"/>.</summary>
    public Task<(Match Match, int Line)> WaitForAsync(string pattern, TimeSpan timeout, int from = 0) =>
        _serial.WaitForAsync(pattern, timeout, from);

    /// <summary>Runs one HMP monitor command and returns its output.</summary>
    public async Task<string> MonitorAsync(string command, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        while (true)
        {
            try { await socket.ConnectAsync(new UnixDomainSocketEndPoint(_monitorPath), cts.Token); break; }
            catch (SocketException) { await Task.Delay(100, cts.Token); }
        }
        await ReadUntilPromptAsync(socket, cts.Token);
        await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"), SocketFlags.None, cts.Token);
        string output = await ReadUntilPromptAsync(socket, cts.Token);
        _serial.Note($"monitor: {command} -> {output.Trim()}");
        return output;
    }

    private static async Task<string> ReadUntilPromptAsync(Socket socket, CancellationToken ct)
    {
        var sb = new StringBuilder();
        var buffer = new byte[4096];
        while (!sb.ToString().EndsWith("(qemu) ", StringComparison.Ordinal))
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct);
            if (n == 0) throw new IOException("QEMU monitor closed the connection");
            sb.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        return Regex.Replace(sb.ToString(), @"\x1b\[[0-9;]*[A-Za-z]", "");
    }

    /// <summary>Waits for QEMU to exit (the guest powered off, or panicked with panic=-1) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"QEMU still running after {timeout.TotalSeconds:F0}s; see {LogPath}\n{Tail()}");
        }
        await _reader;
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        try { await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)); } catch (TimeoutException) { }
        try { await _reader.WaitAsync(TimeSpan.FromSeconds(5)); } catch (TimeoutException) { }
        _serial.Dispose();
        _process.Dispose();
        try { File.Delete(_monitorPath); } catch (IOException) { }
    }
}
