using System.Net;
using System.Net.Sockets;

namespace Fobnail.Testing.Network;

/// <summary>
/// Loopback port numbers for programs the tests start and that must be told a port (swtpm, coap-client, the
/// emulator's CLI). The port is free when returned; a program that loses the race fails to bind and says so.
/// </summary>
public static class FreePorts
{
    public static int Udp()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    /// <summary>A TCP port P with P + 1 free as well: swtpm's server and control ports, as its TCTI expects them.</summary>
    public static int TcpPair()
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            using var first = new TcpListener(IPAddress.Loopback, 0);
            first.Start();
            int port = ((IPEndPoint)first.LocalEndpoint).Port;
            if (port >= 65535) continue;
            try
            {
                using var second = new TcpListener(IPAddress.Loopback, port + 1);
                second.Start();
                return port;
            }
            catch (SocketException)
            {
                // port + 1 is taken: another pair.
            }
        }
        throw new InvalidOperationException("no free pair of adjacent loopback TCP ports in 100 tries");
    }
}
