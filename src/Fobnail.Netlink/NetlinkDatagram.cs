namespace Fobnail.Netlink;

/// <summary>One received datagram (copied out of the receive buffer) with its monotonic receive time.</summary>
public sealed record NetlinkDatagram(byte[] Data, uint SenderPortId, uint Groups, long ReceivedTimestamp, bool Truncated, bool IsOverrun);
