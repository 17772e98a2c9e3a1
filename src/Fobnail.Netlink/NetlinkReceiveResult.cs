namespace Fobnail.Netlink;

/// <summary>One recvfrom(2) on a netlink socket: datagram length, sender port id and groups.</summary>
/// <param name="Length">Real datagram length (may exceed the buffer when <paramref name="Truncated"/>).</param>
/// <param name="SenderPortId">nl_pid of the sender; 0 is the kernel.</param>
/// <param name="Groups">nl_groups of the sender address (the multicast group, for broadcasts).</param>
public readonly record struct NetlinkReceiveResult(int Length, uint SenderPortId, uint Groups, bool Truncated, bool IsOverrun)
{
    /// <summary>The kernel dropped messages (ENOBUFS): state must be re-read.</summary>
    public static NetlinkReceiveResult Overrun => new(0, 0, 0, false, true);
}
