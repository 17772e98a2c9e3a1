using Fobnail.Linux;
using System.Runtime.CompilerServices;
using Serilog;

namespace Fobnail.Netlink.Uevents;

/// <summary>
/// Listens to kernel uevents (NETLINK_KOBJECT_UEVENT, multicast group 1). Bad datagrams are logged and
/// dropped; the stream only ends on cancellation or a socket failure.
/// </summary>
public sealed class UeventListener : IDisposable
{
    /// <summary>The kernel broadcasts uevents to group 1; libudev uses group 2 (ignored).</summary>
    public const uint KernelGroup = 1;

    private readonly NetlinkSocket _socket;
    private readonly ILogger _log;

    private UeventListener(NetlinkSocket socket, ILogger log)
    {
        _socket = socket;
        _log = log;
    }

    /// <summary>Opens the socket now (in the calling thread's network namespace), so no event after this call is missed.</summary>
    public static UeventListener Open(ILogger? log = null) =>
        new(NetlinkSocket.Open(Sys.NETLINK_KOBJECT_UEVENT, KernelGroup), log ?? Serilog.Core.Logger.None);

    public async IAsyncEnumerable<Uevent> ListenAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var d in NetlinkReceiver.ReceiveAllAsync(_socket, "uevent-rx", ct).ConfigureAwait(false))
        {
            var ev = Accept(d, _log);
            if (ev is not null) yield return ev;
        }
    }

    /// <summary>Validates and parses one datagram; null (with a log line) when it must be dropped.</summary>
    internal static Uevent? Accept(NetlinkDatagram d, ILogger log)
    {
        if (d.IsOverrun)
        {
            log.Warning("uevent: kernel dropped uevents (ENOBUFS, receive queue full)");
            return null;
        }
        // Only the kernel (port id 0) sends real uevents; anything else is a forgery or udev noise.
        if (d.SenderPortId != 0)
        {
            log.Debug("uevent: dropped datagram from port id {PortId}, not the kernel", d.SenderPortId);
            return null;
        }
        if (d.Truncated)
        {
            log.Warning("uevent: dropped truncated datagram ({Bytes} bytes received)", d.Data.Length);
            return null;
        }
        if (UeventParser.IsLibudevMessage(d.Data))
        {
            log.Debug("uevent: ignored libudev-format message");
            return null;
        }
        try
        {
            return UeventParser.Parse(d.Data) with { ReceivedTimestamp = d.ReceivedTimestamp };
        }
        catch (UeventParseException e)
        {
            log.Warning("uevent: dropped malformed datagram ({Bytes} bytes): {Reason}", d.Data.Length, e.Message);
            return null;
        }
    }

    public void Dispose() => _socket.Dispose();
}
