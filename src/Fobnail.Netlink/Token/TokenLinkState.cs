namespace Fobnail.Netlink.Token;

/// <summary>Where the token's network link is, in the order it gets there.</summary>
public enum TokenLinkState
{
    /// <summary>No matching interface.</summary>
    Absent,
    /// <summary>A matching interface exists (sysfs says it is the token), administratively down.</summary>
    Present,
    /// <summary>IFF_UP is set.</summary>
    Up,
    /// <summary>Our address (169.254.0.8/16 by default) is on the interface.</summary>
    Addressed,
    /// <summary>Addressed and the driver reports carrier (IFF_LOWER_UP): the token can be talked to.</summary>
    Ready,
}
