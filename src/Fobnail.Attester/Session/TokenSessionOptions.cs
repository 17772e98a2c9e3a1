using Fobnail.Coap;
using Fobnail.Protocol;

namespace Fobnail.Attester.Session;

/// <summary>Settings of a <see cref="TokenSession"/>.</summary>
public sealed record TokenSessionOptions
{
    /// <summary>Where the token's CoAP server is (§2.2).</summary>
    public const string DefaultToken = "169.254.0.1:5683";

    /// <summary>
    /// CoAP reliability. Defaults follow §3.2: ACK_TIMEOUT 2 s × 1.5 (1 s in the middle of block transfers), MAX_RETRANSMIT 4 (the token has no
    /// de-duplication, so retransmissions must be rare), keep-alive ping every 1 s (§3.6), Block1 SZX 6 (§3.5).
    /// </summary>
    public CoapClientOptions Coap { get; init; } = CoapDefaults();

    /// <summary>The defaults above with some values changed (the CoAP options are init-only).</summary>
    public static CoapClientOptions CoapDefaults(TimeSpan? ackTimeout = null, int maxRetransmit = 4, TimeSpan? keepAlive = null) => new()
    {
        AckTimeout = ackTimeout ?? TimeSpan.FromSeconds(2),
        // The token answers a block from coap-lite's block handler at once, and intermediate blocks do not
        // refresh its 3 s idle purge: a lost block is resent after at most 1.5 s, so one loss (and the
        // keep-alive ping that follows it) stays inside the purge (issue #10, item 5).
        BlockAckTimeout = TimeSpan.FromSeconds(Math.Min((ackTimeout ?? TimeSpan.FromSeconds(2)).TotalSeconds, 1.0)),
        AckRandomFactor = 1.5,
        MaxRetransmit = maxRetransmit,
        Block1Szx = 6,
        KeepAlivePeriod = keepAlive ?? TimeSpan.FromSeconds(1),
        TokenLength = 4,
        // No legitimate answer is larger than what the message decoders accept (issue #16: a 1 MiB body in
        // 16-byte blocks cost ~100 MB of memory before a decoder refused it).
        MaxResponseBodySize = ProtocolLimits.MaxMessage,
    };

    /// <summary>
    /// One deadline for the whole exchange with the token (every request of provisioning, attestation and FTS on
    /// this session), counted from the session's start. Per-message timeouts alone do not bound a token that
    /// answers everything slowly in tiny Block2 blocks. Infinite = no deadline.
    /// </summary>
    public TimeSpan Deadline { get; init; } = DefaultDeadline;

    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(60);

    /// <summary>Keep-alive pings that may go unanswered in a row before the session is reported lost.</summary>
    public int MaxKeepAliveFailures { get; init; } = 3;
}
