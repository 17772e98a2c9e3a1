namespace Fobnail.Netlink.Rtnl;

/// <summary>
/// One link notification from <see cref="RouteMonitor"/>, or an overrun (the kernel dropped notifications;
/// the consumer must re-dump the links).
/// </summary>
public sealed record RouteMonitorEvent(LinkMessage? Link, bool IsOverrun, long ReceivedTimestamp);
