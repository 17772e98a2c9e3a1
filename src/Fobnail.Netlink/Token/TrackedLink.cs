using Fobnail.Netlink.Matching;

namespace Fobnail.Netlink.Token;

/// <summary>The interface the manager currently treats as the token, with its latest rtnetlink flags.</summary>
internal sealed class TrackedLink(int ifIndex, string ifName, UsbNetIdentity identity, long announcedTimestamp)
{
    public int IfIndex { get; } = ifIndex;
    public string IfName { get; set; } = ifName;
    public UsbNetIdentity Identity { get; } = identity;
    /// <summary>Stopwatch timestamp of the first announcement (uevent or RTM_NEWLINK).</summary>
    public long AnnouncedTimestamp { get; set; } = announcedTimestamp;
    public uint Flags { get; set; }
    public bool IsUp => (Flags & Rtnl.RtnetlinkConstants.IFF_UP) != 0;
    public bool IsLowerUp => (Flags & Rtnl.RtnetlinkConstants.IFF_LOWER_UP) != 0;
}
