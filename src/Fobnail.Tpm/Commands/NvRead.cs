namespace Fobnail.Tpm;

/// <summary>
/// TPM2_NV_Read (Part 3 §31.13) of one chunk: <see cref="Size"/> bytes at <see cref="Offset"/>; the chunk size
/// must not exceed TPM_PT_NV_BUFFER_MAX (see <see cref="TpmNv.ReadAll"/> for the loop). authHandle defaults to
/// the index itself with its empty password (§7.1).
/// </summary>
public sealed class NvRead
{
    public const string CommandName = "TPM2_NV_Read";
    /// <summary>MAX_NV_BUFFER_SIZE bound on one chunk.</summary>
    public const int MaxChunk = 2048;

    public required uint NvIndex { get; init; }
    public uint? AuthHandle { get; init; }
    public required ushort Size { get; init; }
    public ushort Offset { get; init; }
    public TpmAuthorization Authorization { get; init; } = TpmAuthorization.Password();

    public byte[] Execute(ITpmTransport transport)
    {
        var p = new TpmWriter(4);
        p.WriteU16(Size);
        p.WriteU16(Offset);
        TpmReader r = TpmCommandRunner.Run(transport, TpmCc.NV_Read, CommandName, [AuthHandle ?? NvIndex, NvIndex], [Authorization], p.WrittenSpan, 0).Parameters;
        byte[] data = r.ReadTpm2b(MaxChunk, "TPM2B_MAX_NV_BUFFER");
        if (data.Length != Size)
            throw r.Fail($"{data.Length} bytes returned, {Size} requested");
        r.ExpectEnd(CommandName);
        return data;
    }
}
