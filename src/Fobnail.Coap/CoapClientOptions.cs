namespace Fobnail.Coap;

/// <summary>
/// Transmission parameters (RFC 7252 §4.8; defaults are the RFC's) and block-wise/keep-alive settings.
/// </summary>
public sealed class CoapClientOptions
{
    /// <summary>ACK_TIMEOUT: initial retransmission timeout is ACK_TIMEOUT × rand[1, ACK_RANDOM_FACTOR].</summary>
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromSeconds(2);

    public double AckRandomFactor { get; init; } = 1.5;

    /// <summary>MAX_RETRANSMIT: retransmissions after the first transmission, each doubling the timeout.</summary>
    public int MaxRetransmit { get; init; } = 4;

    /// <summary>How long to wait for a separate response after an empty ACK.</summary>
    public TimeSpan SeparateResponseTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Block1 SZX for uploads (6 = 1024-byte blocks, what the token expects).</summary>
    public int Block1Szx { get; init; } = 6;

    /// <summary>Upper bound for a reassembled Block2 response body.</summary>
    public int MaxResponseBodySize { get; init; } = 1024 * 1024;

    /// <summary>Token length for new requests (RFC 7252 §5.3.1: random, up to 8 bytes).</summary>
    public int TokenLength { get; init; } = 4;

    /// <summary>Keep-alive ping period (the token forgets a client after 3 s of silence).</summary>
    public TimeSpan KeepAlivePeriod { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// ACK_TIMEOUT for the messages in the middle of a block-wise transfer (Block1 blocks with M=1, Block2
    /// follow-ups); null = <see cref="AckTimeout"/>. The token's 3 s idle purge is not refreshed by them (only a
    /// request that reaches its handler or a ping is), so with keep-alive on, a lost block must be retransmitted
    /// well inside that window.
    /// </summary>
    public TimeSpan? BlockAckTimeout { get; init; }

    /// <summary>Seed for message IDs, tokens and timeout jitter; null = unpredictable (production).</summary>
    public int? RandomSeed { get; init; }

    /// <summary>Largest datagram accepted from the peer.</summary>
    public int ReceiveBufferSize { get; init; } = 65536;

    internal void Validate()
    {
        if (AckTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(AckTimeout));
        if (BlockAckTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(BlockAckTimeout));
        if (AckRandomFactor < 1.0) throw new ArgumentOutOfRangeException(nameof(AckRandomFactor));
        if (MaxRetransmit is < 0 or > 20) throw new ArgumentOutOfRangeException(nameof(MaxRetransmit));
        if (Block1Szx is < 0 or > 6) throw new ArgumentOutOfRangeException(nameof(Block1Szx));
        if (TokenLength is < 0 or > 8) throw new ArgumentOutOfRangeException(nameof(TokenLength));
    }
}
