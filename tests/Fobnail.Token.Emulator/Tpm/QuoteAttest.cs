namespace Fobnail.Token.Emulator.Tpm;

/// <summary>
/// The fields of a TPMS_ATTEST of type TPM_ST_ATTEST_QUOTE (Part 2 §10.12.12) that the token evaluates (spec §7.6).
/// </summary>
public sealed class QuoteAttest
{
    /// <summary>A TPMS_ATTEST for a quote is a few hundred bytes; anything this large is not one.</summary>
    public const int MaxSize = 1024;
    /// <summary>More banks than any TPM implements (sha1, sha256, sha384, sha512, sm3, sha3-*).</summary>
    public const int MaxBanks = 8;

    public required byte[] ExtraData { get; init; }
    public required byte Safe { get; init; }
    public required IReadOnlyList<PcrSelection> Banks { get; init; }
    public required byte[] PcrDigest { get; init; }

    public static QuoteAttest Parse(ReadOnlySpan<byte> tpmsAttest)
    {
        if (tpmsAttest.Length > MaxSize)
            throw new TpmParseException($"TPMS_ATTEST of {tpmsAttest.Length} bytes exceeds {MaxSize}");
        var r = new TpmReader(tpmsAttest);
        uint magic = r.U32("TPMS_ATTEST.magic");
        if (magic != TpmConstants.TPM_GENERATED_VALUE)
            throw new TpmParseException($"TPMS_ATTEST.magic 0x{magic:X8} is not TPM_GENERATED_VALUE");
        ushort type = r.U16("TPMS_ATTEST.type");
        if (type != TpmConstants.TPM_ST_ATTEST_QUOTE)
            throw new TpmParseException($"TPMS_ATTEST.type 0x{type:X4} is not TPM_ST_ATTEST_QUOTE");
        r.Tpm2b("TPMS_ATTEST.qualifiedSigner", 2 + 64);
        byte[] extraData = r.Tpm2b("TPMS_ATTEST.extraData", 64).ToArray();
        r.U64("TPMS_CLOCK_INFO.clock");
        r.U32("TPMS_CLOCK_INFO.resetCount");
        r.U32("TPMS_CLOCK_INFO.restartCount");
        byte safe = r.U8("TPMS_CLOCK_INFO.safe");
        r.U64("TPMS_ATTEST.firmwareVersion");
        uint count = r.U32("TPML_PCR_SELECTION.count");
        if (count > MaxBanks) throw new TpmParseException($"TPML_PCR_SELECTION.count {count} exceeds {MaxBanks}");
        var banks = new List<PcrSelection>((int)count);
        for (int i = 0; i < count; i++)
        {
            ushort hash = r.U16("TPMS_PCR_SELECTION.hash");
            byte sizeofSelect = r.U8("TPMS_PCR_SELECTION.sizeofSelect");
            // The bitmap is a u32, so more than 4 select bytes cannot be represented (the token's limit too).
            if (sizeofSelect > 4) throw new TpmParseException($"sizeofSelect {sizeofSelect} exceeds 4");
            ReadOnlySpan<byte> select = r.Take(sizeofSelect, "TPMS_PCR_SELECTION.pcrSelect");
            uint bitmap = 0;
            for (int b = 0; b < select.Length; b++) bitmap |= (uint)select[b] << (8 * b);
            banks.Add(new PcrSelection(hash, bitmap));
        }
        byte[] digest = r.Tpm2b("TPMS_QUOTE_INFO.pcrDigest", 64).ToArray();
        if (digest.Length != 32)
            throw new TpmParseException($"pcrDigest is {digest.Length} bytes; only SHA-256 (32) is supported");
        // Like the firmware, bytes after pcrDigest are ignored (a real TPM sends none).
        return new QuoteAttest { ExtraData = extraData, Safe = safe, Banks = banks, PcrDigest = digest };
    }
}
