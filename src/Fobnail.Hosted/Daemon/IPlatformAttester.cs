using Fobnail.Attester.Flows;

namespace Fobnail.Hosted.Daemon;

/// <summary>One attestation of this platform to the token that is plugged in.</summary>
public interface IPlatformAttester
{
    /// <summary>Attests; token and TPM failures are verdicts, not exceptions (only cancellation escapes).</summary>
    Task<DaemonVerdict> AttestAsync(CancellationToken ct);
}

/// <summary>An attestation's verdict with the platform it was about (null when the metadata could not be collected).</summary>
public sealed record DaemonVerdict(AttestationVerdictKind Kind, string Detail, string? PlatformId)
{
    /// <summary>The platform metadata could not be read, so the token was not asked (e.g. the NIC is not up yet).</summary>
    public bool MetadataUnreadable { get; init; }
}
