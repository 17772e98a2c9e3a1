namespace Fobnail.Tpm;

/// <summary>Reads fixed TPM properties (TPM_CAP_TPM_PROPERTIES).</summary>
public static class TpmProperties
{
    public static uint Get(ITpmTransport transport, TpmPt property)
    {
        GetCapabilityResponse r = new GetCapability { Capability = TpmCap.TpmProperties, Property = (uint)property, PropertyCount = 1 }.Execute(transport);
        foreach (TpmsTaggedProperty p in r.Properties!)
            if (p.Property == property)
                return p.Value;
        throw new TpmParseException(GetCapability.CommandName, $"property {property} (0x{(uint)property:X}) not returned");
    }

    /// <summary>Properties from <paramref name="first"/> on, as many as the TPM returns in one call.</summary>
    public static IReadOnlyList<TpmsTaggedProperty> GetRange(ITpmTransport transport, TpmPt first, uint count) =>
        new GetCapability { Capability = TpmCap.TpmProperties, Property = (uint)first, PropertyCount = count }.Execute(transport).Properties!;

    /// <summary>Four-character ASCII of a TPM_PT_MANUFACTURER / VENDOR_STRING value, trailing NULs dropped.</summary>
    public static string Ascii(uint value)
    {
        Span<char> chars = stackalloc char[4];
        int n = 0;
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            byte b = (byte)(value >> shift);
            if (b == 0)
                continue;
            chars[n++] = b is >= 0x20 and < 0x7F ? (char)b : '?';
        }
        return new string(chars[..n]);
    }
}
