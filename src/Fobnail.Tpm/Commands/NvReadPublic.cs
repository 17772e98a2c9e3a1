namespace Fobnail.Tpm;

public sealed record NvReadPublicResponse(TpmsNvPublic NvPublic, byte[] NvName);

/// <summary>TPM2_NV_ReadPublic (Part 3 §31.6): the NV index's public area (we need dataSize).</summary>
public sealed class NvReadPublic
{
    public const string CommandName = "TPM2_NV_ReadPublic";

    public required uint NvIndex { get; init; }

    public NvReadPublicResponse Execute(ITpmTransport transport)
    {
        TpmReader r = TpmCommandRunner.Run(transport, TpmCc.NV_ReadPublic, CommandName, [NvIndex], [], [], 0).Parameters;
        TpmsNvPublic nvPublic = TpmsNvPublic.Unmarshal(r);
        if (nvPublic.NvIndex != NvIndex)
            throw r.Fail($"TPMS_NV_PUBLIC names index 0x{nvPublic.NvIndex:X8}, requested 0x{NvIndex:X8}");
        byte[] name = r.ReadTpm2b(66, "nvName");
        r.ExpectEnd(CommandName);
        return new NvReadPublicResponse(nvPublic, name);
    }
}
