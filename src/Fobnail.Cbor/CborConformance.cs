namespace Fobnail.Cbor;

/// <summary>How strictly <see cref="CborReader"/> checks the encoding (RFC 8949 §4.1, §4.2).</summary>
public enum CborConformance
{
    /// <summary>
    /// Accepts any well-formed item: non-minimal ("non-preferred") argument encodings and indefinite-length
    /// arrays, maps and strings. Needed for the token's indefinite-length <c>/attest</c> response.
    /// </summary>
    Lax,

    /// <summary>
    /// What the token's decoder (cbor-smol) accepts: preferred (minimal) argument encoding for integers and
    /// lengths, definite lengths only.
    /// </summary>
    Strict,
}
