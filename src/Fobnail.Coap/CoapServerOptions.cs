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

    /// <summary>
    /// Firmware quirk (coap-lite 0.11.1 BlockHandler with max_total_message_size = MaxMessageSize): a response
    /// switches to Block2 only when its payload reaches MaxMessageSize minus the encoded message without payload
    /// minus 12 (room for Block options), i.e. 1482 − TKL bytes for a GET answer with Max-Age; and a request that
    /// carries Block2 is always answered block-wise (NUM 0 of a small body: M=0). Off = Block2 above one block.
    /// </summary>
    public bool Block2ByMessageSize { get; init; }

    /// <summary>
    /// Firmware quirk: a response datagram larger than this is never sent (the token's network stack cannot
    /// carry it and the firmware resets); <see cref="CoapServer.ResponseDropped"/> is raised instead. Null = send all.
    /// </summary>
    public int? MaxResponseDatagram { get; init; }

    /// <summary>Firmware quirk (coap-server-rs): a CON message with a response code gets no reply at all. Off = RST (RFC 7252 §4.2).</summary>
    public bool IgnoreConfirmableResponses { get; init; }

    /// <summary>
    /// Firmware quirk (coap-lite 0.11.1): a 2.31 Continue carries the received block as its payload
    /// (<c>CoapResponse::new</c> copies the request's payload) and Block1 with M=0 (the block handler sets M only
    /// when the echoed range ends before the payload it holds, which a full block never does). Off = RFC 7959:
    /// no payload, M=1.
    /// </summary>
    public bool ContinueEchoesBlock { get; init; }

    /// <summary>
    /// Firmware quirk (coap-lite 0.11.1): a Block2 request past the end of the cached body answers 4.00 with
    /// "num=N, block_size=S". Off = 4.02 "Block2 out of range".
    /// </summary>
    public bool Block2PastEndIsBadRequest { get; init; }
}
