using Fobnail.Attester.Flows;

namespace Fobnail.Hosted.DBus;

/// <summary>The LastVerdict / Verdict strings of org.fobnail.Attester1 (stable API: scripts compare them).</summary>
public static class VerdictNames
{
    public const string None = "";

    public static string Of(AttestationVerdictKind kind) => kind switch
    {
        AttestationVerdictKind.Trusted => "TRUSTED",
        AttestationVerdictKind.NotTrusted => "NOT_TRUSTED",
        AttestationVerdictKind.PlatformNotProvisioned => "PLATFORM_NOT_PROVISIONED",
        AttestationVerdictKind.TokenNotProvisioned => "TOKEN_NOT_PROVISIONED",
        AttestationVerdictKind.TokenUnreachable => "TOKEN_UNREACHABLE",
        _ => "PROTOCOL_ERROR",
    };
}
