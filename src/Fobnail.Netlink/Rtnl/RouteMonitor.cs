using Fobnail.Linux;
using System.Runtime.CompilerServices;
using Serilog;

namespace Fobnail.Netlink.Rtnl;

/// <summary>
/// Follows RTM_NEWLINK / RTM_DELLINK broadcasts (RTMGRP_LINK). Malformed datagrams, non-kernel senders
/// and unknown message types are dropped with a log line; the stream keeps going.
/// </summary>
public sealed class RouteMonitor : IDisposable
{
    private readonly NetlinkSocket _socket;
    private readonly ILogger _log;

    private RouteMonitor(NetlinkSocket socket, ILogger log)
    {
        _socket = socket;
        _log = log;
    }

    /// <summary>Subscribes now (calling thread's network namespace): nothing after this call is missed.</summary>
    public static RouteMonitor Open(ILogger? log = null) =>
        new(NetlinkSocket.Open(Sys.NETLINK_ROUTE, RtnetlinkConstants.RTMGRP_LINK), log ?? Serilog.Core.Logger.None);

    public async IAsyncEnumerable<RouteMonitorEvent> ListenAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var d in NetlinkReceiver.ReceiveAllAsync(_socket, "rtnl-rx", ct).ConfigureAwait(false))
            foreach (var e in Accept(d, _log))
                yield return e;
    }

    /// <summary>Validates and decodes one datagram into link events; bad input yields nothing and a log line.</summary>
    internal static List<RouteMonitorEvent> Accept(NetlinkDatagram d, ILogger log)
    {
        var events = new List<RouteMonitorEvent>();
        if (d.IsOverrun)
        {
            log.Warning("rtnl: kernel dropped link notifications (ENOBUFS); resynchronising");
            events.Add(new RouteMonitorEvent(null, true, d.ReceivedTimestamp));
            return events;
        }
        if (d.SenderPortId != 0)
        {
            log.Debug("rtnl: dropped datagram from port id {PortId}, not the kernel", d.SenderPortId);
            return events;
        }
        if (d.Truncated)
        {
            log.Warning("rtnl: dropped truncated datagram; resynchronising");
            events.Add(new RouteMonitorEvent(null, true, d.ReceivedTimestamp));
            return events;
        }
        try
        {
            foreach (var m in NetlinkMessageParser.Split(d.Data))
            {
                if (m.Type is RtnetlinkConstants.RTM_NEWLINK or RtnetlinkConstants.RTM_DELLINK)
                    events.Add(new RouteMonitorEvent(LinkMessage.Parse(m), false, d.ReceivedTimestamp));
                else
                    log.Debug("rtnl: ignored {Message} on the link monitor", m);
            }
        }
        catch (NetlinkParseException e)
        {
            log.Warning("rtnl: dropped malformed datagram ({Bytes} bytes): {Reason}", d.Data.Length, e.Message);
            events.Clear();
        }
        return events;
    }

    public void Dispose() => _socket.Dispose();
}
