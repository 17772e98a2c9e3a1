namespace Fobnail.Tpm;

public sealed record HashResponse(byte[] OutHash, TpmtTkHashcheck Validation);

/// <summary>TPM2_Hash (Part 3 §15.4): hashes up to MAX_DIGEST_BUFFER (1024) bytes inside the TPM.</summary>
public sealed class Hash
{
    public const string CommandName = "TPM2_Hash";
    public const int MaxData = 1024;

    public required byte[] Data { get; init; }
    public TpmAlgId HashAlg { get; init; } = TpmAlgId.Sha256;
    public uint Hierarchy { get; init; } = TpmRh.Owner;

    public HashResponse Execute(ITpmTransport transport)
    {
        if (Data.Length > MaxData)
            throw new ArgumentException($"TPM2_Hash takes at most {MaxData} bytes", nameof(Data));
        var p = new TpmWriter(Data.Length + 8);
        p.WriteTpm2b(Data);
        p.WriteU16((ushort)HashAlg);
        p.WriteU32(Hierarchy);
        TpmReader r = TpmCommandRunner.Run(transport, TpmCc.Hash, CommandName, [], [], p.WrittenSpan, 0).Parameters;
        byte[] outHash = r.ReadTpm2b(64, "outHash");
        int expected = TpmHash.DigestSize(HashAlg);
        if (expected != 0 && outHash.Length != expected)
            throw r.Fail($"outHash is {outHash.Length} bytes, expected {expected}");
        TpmtTkHashcheck validation = TpmtTkHashcheck.Unmarshal(r);
        r.ExpectEnd(CommandName);
        return new HashResponse(outHash, validation);
    }
}
