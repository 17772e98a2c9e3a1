namespace Fobnail.Kexec.Measurement;

/// <summary>
/// One record of a TCG Canonical Event Log in its JSON form (CEL-JSON; the shape systemd writes to
/// /run/log/systemd/tpm2-measure.log): recnum, pcr, digests (one {hashAlg, digest} per bank), content_type and
/// content. Our records have content_type <see cref="FobnailContentType"/> and a content of
/// <c>{"object": kernel|initrd|cmdline|secret, "description": path, quoted command line or secret name,
/// "size": bytes measured, "before": [{hashAlg, digest}...]}</c>, where "before" (only on the first record for a
/// PCR) is that PCR's value, per bank, read from the TPM just before our first extend of it: the starting point
/// of a replay. Records of other content types (e.g. systemd's) are kept with their content as raw JSON.
/// </summary>
public sealed record CelRecord(long RecNum, int Pcr, IReadOnlyList<BankDigest> Digests, string ContentType, string ContentJson)
{
    public const string FobnailContentType = "fobnail";

    /// <summary>Our parsed content (null for other content types).</summary>
    public FobnailContent? Fobnail { get; init; }

    public BankDigest? Digest(Fobnail.Tpm.TpmAlgId bank) => Digests.FirstOrDefault(d => d.Hash == bank);
}

/// <summary>The content of a <see cref="CelRecord.FobnailContentType"/> record.</summary>
public sealed record FobnailContent(string Object, string Description, long Size, IReadOnlyList<BankDigest> Before);
