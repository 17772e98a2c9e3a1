namespace Fobnail.Attester.Platform;

/// <summary>The platform metadata cannot be collected (no SMBIOS type 1, no qualifying NIC, bad override file).</summary>
public sealed class PlatformMetadataException : Exception
{
    public PlatformMetadataException(string message) : base(message) { }
}
