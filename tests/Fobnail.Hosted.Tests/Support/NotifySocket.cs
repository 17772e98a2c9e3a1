using System.Net.Sockets;
using System.Text;

namespace Fobnail.Hosted.Tests.Support;

/// <summary>A NOTIFY_SOCKET as systemd makes it: an AF_UNIX datagram socket the service sends its state to.</summary>
internal sealed class NotifySocket : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly string _dir;

    public NotifySocket()
    {
        _dir = Directory.CreateTempSubdirectory("fobnail-notify-").FullName;
        Path_ = System.IO.Path.Combine(_dir, "notify");
        _socket.Bind(new UnixDomainSocketEndPoint(Path_));
    }

    public string Path_ { get; }

    /// <summary>The next datagram as text (assignments separated by newlines).</summary>
    public async Task<string> ReceiveAsync(int seconds = 90)
    {
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        int n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    /// <summary>Datagrams until one contains <paramref name="assignment"/>; returns that one.</summary>
    public async Task<string> ReceiveUntilAsync(string assignment, int seconds = 90)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        while (true)
        {
            string d = await ReceiveAsync(seconds);
            if (d.Split('\n').Contains(assignment)) return d;
            cts.Token.ThrowIfCancellationRequested();
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
