using System.Net;

namespace Fobnail.Protocol.Tests.Support;

internal static class Loopback
{
    public static IPEndPoint Any => new(IPAddress.Loopback, 0);
}
