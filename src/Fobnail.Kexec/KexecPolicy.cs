namespace Fobnail.Kexec;

/// <summary>The answer of <see cref="KexecPolicy.Decide"/>: allowed or not, and the line to log.</summary>
public sealed record KexecDecision(bool Allowed, bool Unattested, string Message);

/// <summary>
/// Fail-closed handoff policy: by default, kexec only after the token attested the platform. With
/// <see cref="RequireAttestation"/> off (bring-up, tests) an unattested kexec is allowed, with a loud warning.
/// </summary>
public sealed record KexecPolicy(bool RequireAttestation = true, string Override = KexecPolicy.BootOverride)
{
    /// <summary>What allows an unattested kexec in /init: named in the warning so a reader knows what to remove.</summary>
    public const string BootOverride = "fobnail.kexec.require_attestation=0";

    public KexecDecision Decide(AttestationVerdict? verdict) => (verdict, RequireAttestation) switch
    {
        ({ Passed: true }, _) => new(true, false, $"attestation {verdict}"),
        (null, true) => new(false, true,
            $"refusing to kexec: no attestation verdict (attestation did not run; {Override} allows an unattested boot)"),
        ({ Passed: false }, true) => new(false, true, $"refusing to kexec: attestation {verdict}"),
        (null, false) => new(true, true,
            $"UNATTESTED KEXEC: no attestation verdict, booting anyway because of {Override} (never use this in production)"),
        _ => new(true, true,
            $"UNATTESTED KEXEC: attestation {verdict}, booting anyway because of {Override} (never use this in production)"),
    };
}
