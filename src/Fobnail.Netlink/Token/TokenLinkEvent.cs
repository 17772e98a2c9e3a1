using Fobnail.Netlink.Matching;

namespace Fobnail.Netlink.Token;

/// <summary>
/// A state change of the token link. <see cref="SinceAnnounce"/> is the time since the interface was first
/// announced (its uevent or RTM_NEWLINK, whichever arrived first; the link dump for a coldplugged token).
/// </summary>
public sealed record TokenLinkEvent(
    TokenLinkState State,
    TokenLinkState Previous,
    string? IfName,
    int IfIndex,
    UsbNetIdentity? Identity,
    DateTimeOffset Time,
    long Timestamp,
    TimeSpan? SinceAnnounce,
    string Reason)
{
    public override string ToString()
    {
        var link = IfIndex > 0 ? $" {IfName} (ifindex {IfIndex})" : "";
        var since = SinceAnnounce is { } s ? $" +{s.TotalMilliseconds:0.0} ms" : "";
        return $"{Previous} -> {State}{link}{since}: {Reason}";
    }
}
