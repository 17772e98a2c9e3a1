using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Fobnail.Qemu.Tests.Demo;

/// <summary>
/// The token's USB twin (tests/Fobnail.Token.Usb) for a QEMU guest: a usbredir device server with the real
/// token's USB identity (1234:4321, CDC EEM), running in a token namespace and bridged to its tap device, so the
/// guest's cdc_eem interface reaches the token emulator at 169.254.0.1:5683. Plug = <c>chardev-add</c> (QEMU
/// connects to the twin's socket) + <c>device_add usb-redir</c>; unplug = <c>device_del</c> (usb-redir deletes
/// its chardev with it, the twin sees the connection close). Its protocol trace is kept in out/test-logs/.
/// </summary>
public sealed class UsbTwin : IAsyncDisposable
{
    private static int s_counter;
    private readonly Process _process;
    private readonly LineLog _log;
    private readonly string _dir;

    /// <summary>QEMU's id for the chardev; the device is <c>{Id}dev</c>.</summary>
    public string Id { get; }
    public string SocketPath { get; }
    public string LogPath => _log.Path;

    private UsbTwin(string id, string dir, Process process, string logPath)
    {
        Id = id;
        _dir = dir;
        SocketPath = Path.Combine(dir, "usbredir.sock");
        _process = process;
        _log = new LineLog(logPath, "USB twin", () => process.HasExited);
    }

    /// <summary>The built twin (tests/Fobnail.Token.Usb), Release or Debug, whichever is newer.</summary>
    public static string Dll => Tools.BuiltDll("Fobnail.Token.Usb", "fobnail-token-usb.dll");

    /// <summary>
    /// Starts a twin in <paramref name="netNamespace"/> on tap device <paramref name="tap"/> (null: not wired to a
    /// network). <paramref name="extra"/> are more options, e.g. <c>--interface-class ff/00/00</c> or <c>--serial</c>.
    /// </summary>
    public static async Task<UsbTwin> StartAsync(string logName, string netNamespace, string? tap, params string[] extra)
    {
        string id = $"tok{Interlocked.Increment(ref s_counter)}";
        string dir = Directory.CreateTempSubdirectory("fobnail-usb-twin-").FullName;
        string logDir = Path.Combine(Repo.Root, "out", "test-logs");
        Directory.CreateDirectory(logDir);
        string logPath = Path.Combine(logDir, logName + "-usb-twin.log");
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in (string[])["netns", "exec", netNamespace, "dotnet", Dll, "--socket", Path.Combine(dir, "usbredir.sock"),
                     "--trace", .. (tap is null ? (string[])[] : ["--tap", tap]), .. extra])
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start the USB twin");
        var twin = new UsbTwin(id, dir, process, logPath);
        process.OutputDataReceived += (_, e) => twin._log.Add(e.Data);
        process.ErrorDataReceived += (_, e) => twin._log.Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await twin.WaitForAsync("usb twin listening on ", TimeSpan.FromSeconds(60));
        return twin;
    }

    /// <summary>Hot-plugs the twin into <paramref name="bus"/> (e.g. xhci.0).</summary>
    public async Task PlugAsync(QemuMachine vm, string bus)
    {
        string chardev = await vm.MonitorAsync($"chardev-add socket,id={Id},path={SocketPath}");
        Assert.DoesNotContain("rror", chardev);
        string add = await vm.MonitorAsync($"device_add usb-redir,chardev={Id},id={Id}dev,bus={bus}");
        Assert.DoesNotContain("rror", add);
    }

    public async Task UnplugAsync(QemuMachine vm)
    {
        int from = LineCount;
        string del = await vm.MonitorAsync($"device_del {Id}dev");
        Assert.DoesNotContain("rror", del);
        await WaitForAsync(@"usbredir: session done", TimeSpan.FromSeconds(60), from);
    }

    /// <summary>The device server dies without a word (SIGKILL): its usbredir socket closes under QEMU mid-transfer.</summary>
    public async Task VanishAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public int LineCount => _log.LineCount;

    public string Transcript => _log.Transcript;

    /// <summary>Waits for a twin log line matching <paramref name="pattern"/> at or after line <paramref name="from"/>.</summary>
    public Task<(Match Match, int Line)> WaitForAsync(string pattern, TimeSpan timeout, int from = 0) =>
        _log.WaitForAsync(pattern, timeout, from);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _log.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
