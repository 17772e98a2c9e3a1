using System.Net;
using System.Net.Sockets;

namespace Fobnail.Protocol.Tests.Support;

internal static class Loopback
{
    public static IPEndPoint Any => new(IPAddress.Loopback, 0);

    /// <summary>A currently free UDP port on 127.0.0.1 (for external programs that need a port number).</summary>
    public static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }
}
