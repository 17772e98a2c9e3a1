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
    private readonly LoggedProcess _process;
    private readonly string _dir;

    /// <summary>QEMU's id for the chardev; the device is <c>{Id}dev</c>.</summary>
    public string Id { get; }
    public string SocketPath { get; }
    public string LogPath => _process.LogPath!;

    private UsbTwin(string id, string dir, LoggedProcess process)
    {
        Id = id;
        _dir = dir;
        SocketPath = Path.Combine(dir, "usbredir.sock");
        _process = process;
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
        string logPath = Path.Combine(Repo.Root, "out", "test-logs", logName + "-usb-twin.log");
        var process = LoggedProcess.Start("USB twin", "dotnet",
            [Dll, "--socket", Path.Combine(dir, "usbredir.sock"), "--trace", .. (tap is null ? (string[])[] : ["--tap", tap]), .. extra],
            logPath, new CommandOptions { NetworkNamespace = netNamespace });
        var twin = new UsbTwin(id, dir, process);
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
    public Task VanishAsync() => _process.KillAsync();

    public int LineCount => _process.LineCount;

    public string Transcript => _process.Transcript;

    /// <summary>Waits for a twin log line matching <paramref name="pattern"/> at or after line <paramref name="from"/>.</summary>
    public Task<(Match Match, int Line)> WaitForAsync(string pattern, TimeSpan timeout, int from = 0) =>
        _process.WaitForAsync(pattern, timeout, from);

    public async ValueTask DisposeAsync()
    {
        try { await _process.DisposeAsync(); }
        finally { Directory.Delete(_dir, recursive: true); }
    }
}
