using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Fobnail.Hosted.Systemd;

/// <summary>
/// sd_notify(3) without libsystemd: one datagram of newline-separated VAR=VALUE assignments to the AF_UNIX socket
/// named by $NOTIFY_SOCKET (a path, or an abstract name written with a leading '@'). Type=notify services send
/// READY=1 when they serve, WATCHDOG=1 at least every WatchdogSec, STATUS=... for `systemctl status`, and
/// STOPPING=1 when they exit.
/// </summary>
public sealed class SdNotify : IDisposable
{
    private readonly Socket _socket;
    private readonly UnixDomainSocketEndPoint _endPoint;

    private SdNotify(string address)
    {
        // Abstract socket names start with a NUL byte; systemd writes them with '@'.
        _endPoint = new UnixDomainSocketEndPoint(address[0] == '@' ? "\0" + address[1..] : address);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    }

    public string Address => _endPoint.ToString();

    /// <summary>The notifier for $NOTIFY_SOCKET, or null when the service manager did not ask for notifications.</summary>
    public static SdNotify? FromEnvironment()
    {
        string? address = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        return string.IsNullOrEmpty(address) ? null : Open(address);
    }

    /// <summary>A notifier for the socket <paramref name="address"/> (a path, or @name for an abstract socket).</summary>
    public static SdNotify Open(string address)
    {
        if (address.Length == 0 || (address[0] != '/' && address[0] != '@'))
            throw new FormatException($"NOTIFY_SOCKET='{address}': neither a path nor an abstract name (@...)");
        return new SdNotify(address);
    }

    public void Ready(string status) => Send($"READY=1\nSTATUS={status}");

    public void Status(string status) => Send($"STATUS={status}");

    public void Watchdog() => Send("WATCHDOG=1");

    public void Stopping(string status) => Send($"STOPPING=1\nSTATUS={status}");

    /// <summary>Sends the assignments as one datagram (MAINPID is added so systemd can check who sent it).</summary>
    public void Send(string assignments)
    {
        string message = assignments + "\nMAINPID=" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        _socket.SendTo(Encoding.UTF8.GetBytes(message), SocketFlags.None, _endPoint);
    }

    public void Dispose() => _socket.Dispose();
}
