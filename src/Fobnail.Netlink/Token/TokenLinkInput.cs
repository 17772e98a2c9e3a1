using Fobnail.Netlink.Rtnl;
using Fobnail.Netlink.Uevents;

namespace Fobnail.Netlink.Token;

/// <summary>What drives the state machine: a uevent, a link notification, or "resynchronise" (overrun).</summary>
internal abstract record TokenLinkInput(long Timestamp)
{
    public sealed record FromUevent(Uevent Event) : TokenLinkInput(Event.ReceivedTimestamp);
    public sealed record FromLink(LinkMessage Link, long ReceivedTimestamp) : TokenLinkInput(ReceivedTimestamp);
    public sealed record Resync(long ReceivedTimestamp) : TokenLinkInput(ReceivedTimestamp);
}
