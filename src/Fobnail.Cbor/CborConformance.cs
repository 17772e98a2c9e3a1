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

    /// <summary>
    /// <see cref="Strict"/> plus what cbor-smol 0.4's serde deserializer lets through, for the token emulator:
    /// the bytes after the top-level item are never looked at (<c>from_bytes</c> has no trailing-data check,
    /// <c>src/de.rs:11-18</c>), and an unknown struct key is "ignored" without reading its value
    /// (<c>deserialize_ignored_any</c> visits none, <c>src/de.rs:700-706</c>). The unread value is harmless
    /// only behind the last key of the top-level map; anywhere else it is read as the next key and fails.
    /// </summary>
    CborSmol,
}
