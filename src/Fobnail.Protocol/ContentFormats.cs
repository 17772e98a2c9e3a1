namespace Fobnail.Protocol;

/// <summary>CoAP Content-Format numbers the token uses (protocol §3.4; IANA CoAP Content-Formats registry).</summary>
public static class ContentFormats
{
    /// <summary>text/plain;charset=utf-8, only on error responses (encoded as an empty option value).</summary>
    public const ushort TextPlain = 0;

    /// <summary>application/octet-stream: raw nonce, CSR, certificate, FTS files. Missing option counts as 42.</summary>
    public const ushort OctetStream = 42;

    /// <summary>application/cbor: every structured request and the aik/attest responses.</summary>
    public const ushort Cbor = 60;
}
