namespace Fobnail.Attester.Platform;

/// <summary>The SMBIOS entry point or structure table is malformed or exceeds our limits (untrusted firmware input).</summary>
public sealed class SmbiosException : Exception
{
    public SmbiosException(string message) : base(message) { }
}
