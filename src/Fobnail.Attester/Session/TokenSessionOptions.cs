using Fobnail.Coap;

namespace Fobnail.Attester.Session;

/// <summary>Settings of a <see cref="TokenSession"/>.</summary>
public sealed record TokenSessionOptions
{
    /// <summary>Where the token's CoAP server is (§2.2).</summary>
    public const string DefaultToken = "169.254.0.1:5683";

    /// <summary>
    /// CoAP reliability. Defaults follow §3.2: ACK_TIMEOUT 2 s × 1.5, MAX_RETRANSMIT 4 (the token has no
    /// de-duplication, so retransmissions must be rare), keep-alive ping every 1 s (§3.6), Block1 SZX 6 (§3.5).
    /// </summary>
    public CoapClientOptions Coap { get; init; } = new()
    {
        AckTimeout = TimeSpan.FromSeconds(2),
        AckRandomFactor = 1.5,
        MaxRetransmit = 4,
        Block1Szx = 6,
        KeepAlivePeriod = TimeSpan.FromSeconds(1),
        TokenLength = 4,
    };

    /// <summary>Keep-alive pings that may go unanswered in a row before the session is reported lost.</summary>
    public int MaxKeepAliveFailures { get; init; } = 3;
}
