namespace Fobnail.Netlink.Uevents;

/// <summary>A datagram on the uevent socket that is not a well-formed kernel uevent.</summary>
public sealed class UeventParseException(string message) : Exception(message);
