namespace Fobnail.Tpm;

/// <summary>
/// TPMS_ATTEST (Part 2 §10.12.12) of type TPM_ST_ATTEST_QUOTE with its TPMS_QUOTE_INFO, the only
/// attestation structure the Fobnail protocol sends (§7.6). <see cref="Bytes"/> are the exact signed bytes.
/// </summary>
public sealed record TpmsAttest(
    byte[] Bytes,
    uint Magic,
    TpmSt Type,
    byte[] QualifiedSigner,
    byte[] ExtraData,
    TpmsClockInfo ClockInfo,
    ulong FirmwareVersion,
    TpmlPcrSelection PcrSelect,
    byte[] PcrDigest)
{
    /// <summary>TPM_GENERATED_VALUE: the TPM created this structure.</summary>
    public const uint TpmGeneratedValue = 0xFF544347;
    public const int MaxSize = 1024;

    public static TpmsAttest Parse(byte[] bytes, string context)
    {
        if (bytes.Length > MaxSize)
            throw new TpmParseException(context, $"TPMS_ATTEST of {bytes.Length} bytes exceeds {MaxSize}");
        var r = new TpmReader(bytes, context);
        uint magic = r.ReadU32();
        if (magic != TpmGeneratedValue)
            throw r.Fail($"TPMS_ATTEST magic 0x{magic:X8} is not TPM_GENERATED_VALUE");
        var type = (TpmSt)r.ReadU16();
        if (type != TpmSt.AttestQuote)
            throw r.Fail($"TPMS_ATTEST type 0x{(ushort)type:X4} is not TPM_ST_ATTEST_QUOTE");
        byte[] qualifiedSigner = r.ReadTpm2b(66, "qualifiedSigner");
        byte[] extraData = r.ReadTpm2b(66, "extraData");
        TpmsClockInfo clockInfo = TpmsClockInfo.Unmarshal(r);
        ulong firmwareVersion = r.ReadU64();
        TpmlPcrSelection pcrSelect = TpmlPcrSelection.Unmarshal(r);
        byte[] pcrDigest = r.ReadTpm2b(64, "pcrDigest");
        r.ExpectEnd("TPMS_ATTEST");
        return new TpmsAttest(bytes, magic, type, qualifiedSigner, extraData, clockInfo, firmwareVersion, pcrSelect, pcrDigest);
    }
}
