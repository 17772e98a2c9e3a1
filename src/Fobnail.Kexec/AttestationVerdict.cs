namespace Fobnail.Kexec;

/// <summary>
/// The outcome of platform attestation by the Fobnail Token, as the attestation step leaves it in the boot
/// context (<c>context.Verdict = AttestationVerdict.Pass(...)</c>). The kexec step only boots the target after a
/// <see cref="Passed"/> verdict, unless fobnail.kexec.require_attestation=0.
/// </summary>
public sealed record AttestationVerdict(bool Passed, string Reason)
{
    public static AttestationVerdict Pass(string reason) => new(true, reason);

    public static AttestationVerdict Fail(string reason) => new(false, reason);

    public override string ToString() => (Passed ? "passed: " : "failed: ") + Reason;
}
