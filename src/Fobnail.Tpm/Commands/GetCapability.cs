namespace Fobnail.Tpm;

/// <summary>Response of TPM2_GetCapability; exactly one of the lists is set, per <see cref="Capability"/>.</summary>
public sealed record GetCapabilityResponse(
    bool MoreData,
    TpmCap Capability,
    IReadOnlyList<uint>? Handles,
    TpmlPcrSelection? Pcrs,
    IReadOnlyList<TpmsTaggedProperty>? Properties);

/// <summary>
/// TPM2_GetCapability (Part 3 §30.2) for TPM_CAP_HANDLES (TPML_HANDLE), TPM_CAP_PCRS (TPML_PCR_SELECTION)
/// and TPM_CAP_TPM_PROPERTIES (TPML_TAGGED_TPM_PROPERTY).
/// </summary>
public sealed class GetCapability
{
    public const string CommandName = "TPM2_GetCapability";
    /// <summary>MAX_CAP_HANDLES / MAX_TPM_PROPERTIES bound for a 1024-byte MAX_CAP_DATA.</summary>
    public const uint MaxListCount = 256;

    public required TpmCap Capability { get; init; }
    public uint Property { get; init; }
    public uint PropertyCount { get; init; } = 1;

    public GetCapabilityResponse Execute(ITpmTransport transport)
    {
        if (Capability is not (TpmCap.Handles or TpmCap.Pcrs or TpmCap.TpmProperties))
            throw new ArgumentException($"capability {Capability} is not supported by this client", nameof(Capability));
        var p = new TpmWriter(12);
        p.WriteU32((uint)Capability);
        p.WriteU32(Property);
        p.WriteU32(PropertyCount);
        TpmReader r = TpmCommandRunner.Run(transport, TpmCc.GetCapability, CommandName, [], [], p.WrittenSpan, 0).Parameters;
        byte moreData = r.ReadU8();
        if (moreData > 1)
            throw r.Fail($"moreData {moreData} is not a TPMI_YES_NO");
        var capability = (TpmCap)r.ReadU32();
        if (capability != Capability)
            throw r.Fail($"capability {capability} answered for a request of {Capability}");
        GetCapabilityResponse result;
        switch (capability)
        {
            case TpmCap.Handles:
            {
                int count = r.ReadCount(MaxListCount, 4, "TPML_HANDLE");
                var handles = new uint[count];
                for (int i = 0; i < count; i++)
                    handles[i] = r.ReadU32();
                result = new(moreData == 1, capability, handles, null, null);
                break;
            }
            case TpmCap.Pcrs:
                result = new(moreData == 1, capability, null, TpmlPcrSelection.Unmarshal(r), null);
                break;
            default:
            {
                int count = r.ReadCount(MaxListCount, 8, "TPML_TAGGED_TPM_PROPERTY");
                var properties = new TpmsTaggedProperty[count];
                for (int i = 0; i < count; i++)
                    properties[i] = new TpmsTaggedProperty((TpmPt)r.ReadU32(), r.ReadU32());
                result = new(moreData == 1, capability, null, null, properties);
                break;
            }
        }
        r.ExpectEnd(CommandName);
        return result;
    }
}
