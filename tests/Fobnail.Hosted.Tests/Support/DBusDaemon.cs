using System.Diagnostics;

namespace Fobnail.Hosted.Tests.Support;

/// <summary>
/// A real dbus-daemon with a private configuration in a temporary directory, listening on a unix socket there.
/// <see cref="SystemLike"/> reproduces the default policy of Debian's system bus (deny owning and method calls,
/// allow signals and replies) and includes the shipped dist/dbus/org.fobnail.Attester1.conf, as /etc/dbus-1 does
/// on an installed system; <see cref="Open"/> is a permissive bus for client tests against recording services.
/// </summary>
internal sealed class DBusDaemon : IAsyncDisposable
{
    private readonly string _dir;
    private Process _process;

    private DBusDaemon(Process process, string dir, string address)
    {
        _process = process;
        _dir = dir;
        Address = address;
    }

    public string Address { get; }

    /// <summary>
    /// The address as the system bus's is known (a socket path, no server guid): what a client restarted after a
    /// bus restart connects to (an address with the old guid would be refused by the new bus's clients).
    /// </summary>
    public string PathAddress => $"unix:path={Path.Combine(_dir, "bus")}";

    public bool HasExited => _process.HasExited;

    public static string ShippedPolicy => Path.Combine(AppContext.BaseDirectory, "dist", "dbus", "org.fobnail.Attester1.conf");

    /// <summary>Signals, replies to calls that were made, and receiving anything: what both policies allow.</summary>
    private const string Replies = """
        <allow send_type="signal"/>
        <allow send_requested_reply="true" send_type="method_return"/>
        <allow send_requested_reply="true" send_type="error"/>
        <allow receive_type="method_call"/>
        <allow receive_type="method_return"/>
        <allow receive_type="error"/>
        <allow receive_type="signal"/>
        """;

    public static Task<DBusDaemon> SystemLike() => StartAsync($"""
          <policy context="default">
            <allow user="*"/>
            <deny own="*"/>
            <deny send_type="method_call"/>
            {Replies}
            <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
            <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
            <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
            <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Peer"/>
          </policy>
          <include>{ShippedPolicy}</include>
        """);

    public static Task<DBusDaemon> Open() => StartAsync($"""
          <policy context="default">
            <allow user="*"/>
            <allow own="*"/>
            <allow send_type="method_call"/>
            {Replies}
          </policy>
        """);

    private static async Task<DBusDaemon> StartAsync(string policy)
    {
        string dir = Directory.CreateTempSubdirectory("fobnail-dbus-").FullName;
        // busctl run as nobody must reach the socket.
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        string config = Path.Combine(dir, "bus.conf");
        File.WriteAllText(config, $"""
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>custom</type>
              <listen>unix:path={dir}/bus</listen>
              <auth>EXTERNAL</auth>
            {policy}
            </busconfig>
            """);
        var (p, address) = await LaunchAsync(config);
        return new DBusDaemon(p, dir, address);
    }

    private static async Task<(Process Process, string Address)> LaunchAsync(string config)
    {
        var psi = new ProcessStartInfo("dbus-daemon")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in new[] { $"--config-file={config}", "--print-address", "--nofork", "--nopidfile", "--nosyslog" })
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string? address = await p.StandardOutput.ReadLineAsync(cts.Token);
        if (string.IsNullOrEmpty(address))
        {
            string err = await p.StandardError.ReadToEndAsync(cts.Token);
            throw new InvalidOperationException($"dbus-daemon did not start: {err}");
        }
        _ = p.StandardError.ReadToEndAsync();
        return (p, address.Trim());
    }

    /// <summary>
    /// A new dbus-daemon with the same configuration after <see cref="KillAsync"/>: the bus restarted, listening on
    /// the same socket path (dbus-daemon replaces the stale socket), every name and match of the old one gone.
    /// </summary>
    public async Task RestartAsync()
    {
        await KillAsync();
        _process.Dispose();
        var (p, address) = await LaunchAsync(Path.Combine(_dir, "bus.conf"));
        _process = p;
        if (!address.StartsWith(PathAddress + ",", StringComparison.Ordinal))
            throw new InvalidOperationException($"the restarted bus listens at {address}, not at {PathAddress}");
    }

    /// <summary>Kills the bus (SIGKILL): every connection sees the socket close.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
