namespace Fobnail.Coap;

/// <summary>Server limits and the token firmware quirks it can reproduce (protocol §3.5).</summary>
public sealed class CoapServerOptions
{
    /// <summary>Largest request datagram processed; larger requests get 4.13 with a Block1 size hint (firmware: 1500).</summary>
    public int MaxMessageSize { get; init; } = 1500;

    /// <summary>Block size used for Block2 slicing and advertised in 4.13 hints: SZX 6 = 1024 bytes.</summary>
    public int PreferredSzx { get; init; } = 6;

    /// <summary>Largest body reassembled from Block1 blocks.</summary>
    public int MaxBodySize { get; init; } = 64 * 1024;

    /// <summary>Block2 cache and Block1 reassembly state expire after this much idle time (coap-lite: 120 s).</summary>
    public TimeSpan BlockStateExpiry { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Firmware quirk (coap-lite 0.11.1): Block2 follow-up responses carry the CoAP token of the FIRST request
    /// of the transfer instead of the follow-up's token. Off = RFC behaviour.
    /// </summary>
    public bool Block2ReuseFirstToken { get; init; }

    /// <summary>RFC 7959 echoes Block1 in the final response; the firmware does not (its handler builds a fresh response).</summary>
    public bool EchoBlock1InFinalResponse { get; init; }
}
