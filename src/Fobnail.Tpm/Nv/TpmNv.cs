namespace Fobnail.Tpm;

/// <summary>Whole-index NV reads (§7.1): NV_ReadPublic for dataSize, then NV_Read in TPM_PT_NV_BUFFER_MAX chunks.</summary>
public static class TpmNv
{
    /// <summary>Bound on an NV index we read whole (certificates are ~1.2-1.5 KB).</summary>
    public const int MaxIndexSize = 16384;

    /// <param name="authHandle">Null = the index authorizes itself with its empty password, as the reference does
    /// (TPMA_NV_AUTHREAD), and if the TPM refuses that, the owner hierarchy's empty password
    /// (TPMA_NV_OWNERREAD, what `tpm2_nvread -C o` uses). Otherwise exactly this handle.</param>
    public static byte[] ReadAll(ITpmTransport transport, uint nvIndex, uint? authHandle = null)
    {
        if (authHandle is not null)
            return ReadAllAs(transport, nvIndex, authHandle.Value);
        try
        {
            return ReadAllAs(transport, nvIndex, nvIndex);
        }
        catch (TpmException e) when (e.ResponseCode is not null && e.CommandName == NvRead.CommandName)
        {
            return ReadAllAs(transport, nvIndex, TpmRh.Owner);
        }
    }

    private static byte[] ReadAllAs(ITpmTransport transport, uint nvIndex, uint authHandle)
    {
        ushort size = new NvReadPublic { NvIndex = nvIndex }.Execute(transport).NvPublic.DataSize;
        if (size > MaxIndexSize)
            throw new TpmParseException(NvReadPublic.CommandName, $"NV index 0x{nvIndex:X8} dataSize {size} exceeds {MaxIndexSize}");
        uint bufferMax = TpmProperties.Get(transport, TpmPt.NvBufferMax);
        if (bufferMax == 0)
            throw new TpmParseException(GetCapability.CommandName, "TPM_PT_NV_BUFFER_MAX is 0");
        int chunk = (int)Math.Min(bufferMax, NvRead.MaxChunk);
        byte[] data = new byte[size];
        for (int offset = 0; offset < size; offset += chunk)
        {
            int n = Math.Min(chunk, size - offset);
            byte[] part = new NvRead { NvIndex = nvIndex, AuthHandle = authHandle, Size = (ushort)n, Offset = (ushort)offset }.Execute(transport);
            part.CopyTo(data, offset);
        }
        return data;
    }
}
