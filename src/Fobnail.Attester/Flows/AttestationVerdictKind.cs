namespace Fobnail.Attester.Flows;

/// <summary>What the /init policy acts on after an attestation attempt (§5.5, §8.3).</summary>
public enum AttestationVerdictKind
{
    /// <summary>/attest/{ac} answered 2.04: the PCRs match the RIM; FTS is open for this session.</summary>
    Trusted,
    /// <summary>/attest/{ac} answered 4.03: the evidence was rejected (PCRs differ from the RIM, bad quote).</summary>
    NotTrusted,
    /// <summary>/attest answered 4.04 on a provisioned token: this platform's metadata is unknown to it.</summary>
    PlatformNotProvisioned,
    /// <summary>The token's owner has not provisioned it yet (platform endpoints answer 4.04).</summary>
    TokenNotProvisioned,
    /// <summary>No answer (timeouts, lost keep-alive).</summary>
    TokenUnreachable,
    /// <summary>Anything else: an unexpected code or payload, or a local TPM/metadata failure.</summary>
    ProtocolError,
}
