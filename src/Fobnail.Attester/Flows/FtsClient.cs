using Fobnail.Attester.Session;
using Fobnail.Coap;
using Fobnail.Protocol;

namespace Fobnail.Attester.Flows;

/// <summary>
/// Fobnail Token Services storage (§5.6): GET/PUT/DELETE of a named file in this platform's namespace, only
/// on the session (same UDP endpoint) that attested as Trusted and only while it stays alive. Block1 for
/// uploads and Block2 for downloads are done by the CoAP client; no Accept option (§3.4).
/// </summary>
public sealed class FtsClient
{
    private readonly TokenSession _session;

    private FtsClient(TokenSession session) => _session = session;

    /// <summary>The FTS client of a session whose attestation was Trusted; throws otherwise (the token would answer 4.04).</summary>
    public static FtsClient For(TokenSession session, AttestationOutcome attestation)
    {
        if (!attestation.IsTrusted)
            throw new InvalidOperationException($"FTS needs a trusted attestation on this session; {attestation.Summary}");
        return new FtsClient(session);
    }

    /// <summary>The file's bytes, or null if it does not exist (4.04).</summary>
    public async Task<byte[]?> GetAsync(string name, CancellationToken ct = default)
    {
        string path = Path(name);
        // Block2 NUM 0 SZX 6 on the first GET: without it the firmware answers a file just below its Block2
        // threshold in one datagram too large for its 1514-byte frame, and panics (coap-lite 0.11.1
        // src/block_handler/mod.rs:367-380 honours a requested block size; see FtsClientTests).
        var get = new CoapRequest(CoapCode.Get, path) { Options = [new CoapBlockOption(0, false, ProtocolLimits.PreferredBlockSzx).ToOption(CoapOptionNumber.Block2)] };
        CoapMessage r = await _session.SendAsync(get, ct).ConfigureAwait(false);
        if (r.Code == CoapCode.NotFound)
            return null;
        TokenProtocolException.Expect(r, path, CoapCode.Content);
        if (r.Payload.Length > ProtocolLimits.MaxFtsFile)
            throw new TokenProtocolException(path, $"the token returned {r.Payload.Length} bytes, more than a file can hold ({ProtocolLimits.MaxFtsFile})");
        return r.Payload;
    }

    /// <summary>Stores the file; true if it was created, false if an existing file was overwritten.</summary>
    public async Task<bool> PutAsync(string name, byte[] content, CancellationToken ct = default)
    {
        if (content.Length > ProtocolLimits.MaxFtsFile)
            throw new ArgumentException($"an FTS file holds at most {ProtocolLimits.MaxFtsFile} bytes, not {content.Length}", nameof(content));
        string path = Path(name);
        CoapMessage r = await _session.PutOctetsAsync(path, content, ct).ConfigureAwait(false);
        TokenProtocolException.Expect(r, path, CoapCode.Created, CoapCode.Changed);
        return r.Code == CoapCode.Created;
    }

    /// <summary>Deletes the file (2.02 whether or not it existed).</summary>
    public async Task DeleteAsync(string name, CancellationToken ct = default)
    {
        string path = Path(name);
        CoapMessage r = await _session.DeleteAsync(path, ct).ConfigureAwait(false);
        TokenProtocolException.Expect(r, path, CoapCode.Deleted);
    }

    /// <summary>
    /// Names the token accepts: one non-empty segment, not "." or "..", without '/' or NUL (§5.6), and not a
    /// name the firmware itself uses. Files live as <c>&lt;id&gt;_&lt;name&gt;</c> next to <c>/meta/&lt;id&gt;_aik</c>, and
    /// trussed's locate_file searches recursively, so "aik" finds the platform's AIK: GET and DELETE answer 5.00
    /// and PUT answers 2.04 as if overwriting (fobnail src/server/fts/storage.rs:44, :79, :110; see FtsClientTests).
    /// </summary>
    public static string Path(string name)
    {
        if (name.Length == 0 || name is "." or ".." || name.Contains('/') || name.Contains('\0'))
            throw new ArgumentException($"'{PeerText.Escape(name)}' is not a valid FTS file name (one segment, not . or .., no '/' or NUL)", nameof(name));
        if (ReservedNames.Contains(name))
            throw new ArgumentException($"'{name}' is reserved: the token stores this platform's AIK under that name and would confuse the two", nameof(name));
        return FobnailPaths.StorageFile(name);
    }

    /// <summary>Names that collide with the firmware's own per-platform files.</summary>
    public static readonly IReadOnlySet<string> ReservedNames = new HashSet<string>(StringComparer.Ordinal) { "aik" };
}
