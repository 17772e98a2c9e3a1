namespace Fobnail.Tpm;

/// <summary>TPMS_CLOCK_INFO (Part 2 §10.11.1). The token rejects quotes with <see cref="Safe"/> false (§7.6).</summary>
public sealed record TpmsClockInfo(ulong Clock, uint ResetCount, uint RestartCount, bool Safe)
{
    public static TpmsClockInfo Unmarshal(TpmReader r)
    {
        ulong clock = r.ReadU64();
        uint resetCount = r.ReadU32();
        uint restartCount = r.ReadU32();
        byte safe = r.ReadU8();
        if (safe > 1)
            throw r.Fail($"TPMS_CLOCK_INFO.safe {safe} is not a TPMI_YES_NO");
        return new TpmsClockInfo(clock, resetCount, restartCount, safe == 1);
    }
}
