namespace Fobnail.Protocol;

/// <summary>Sizes and limits from protocol §10 (and §3.5/§3.6 for transport timing).</summary>
public static class ProtocolLimits
{
    /// <summary>Largest CoAP datagram the token can receive (1500-byte buffer, 1500-byte IP MTU).</summary>
    public const int MaxDatagramToToken = 1472;

    /// <summary>The token's CoAP message size limit used for 4.13 and Block2 decisions.</summary>
    public const int TokenMaxMessageSize = 1500;

    public const int NonceSize = 32;
    public const int QuoteNonceSize = 32;
    public const int ActivationSecretSize = 32;
    public const int MacSize = 6;

    public const int EkChainMinCerts = 1;
    public const int EkChainMaxCerts = 2;
    public const int PoChainMinCerts = 2;
    public const int PoChainMaxCerts = 3;

    /// <summary>TBSCertificate per certificate (Trussed MAX_MESSAGE_LENGTH).</summary>
    public const int MaxTbsCertificate = 1024;

    /// <summary>Inner metadata CBOR (a Trussed Message); larger panics the token.</summary>
    public const int MaxMetadata = 1024;

    /// <summary>Inner RIM CBOR (Trussed MAX_FILE_LENGTH).</summary>
    public const int MaxRim = 6000;

    /// <summary>One FTS file.</summary>
    public const int MaxFtsFile = 6000;

    /// <summary>CBOR buffer of the /admin/provision/aik, /attest and /api/version responses.</summary>
    public const int MaxSmallResponse = 512;

    /// <summary>
    /// Hard cap on any CBOR message our decoders accept (the largest legitimate one, a signed RIM, is about
    /// 6.3 KB; an EK chain about 4.6 KB).
    /// </summary>
    public const int MaxMessage = 16 * 1024;

    /// <summary>The token purges a client after this much silence (purge tick 1 s, so effectively 3–4 s).</summary>
    public static readonly TimeSpan ClientIdleTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Recommended keep-alive ping period (§3.6).</summary>
    public static readonly TimeSpan KeepAlivePeriod = TimeSpan.FromSeconds(1);

    /// <summary>coap-lite's Block2 cache expiry.</summary>
    public static readonly TimeSpan Block2CacheExpiry = TimeSpan.FromSeconds(120);

    /// <summary>Preferred Block1 size exponent: SZX 6 = 1024-byte blocks.</summary>
    public const int PreferredBlockSzx = 6;
}
