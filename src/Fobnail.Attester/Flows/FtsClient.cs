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
        CoapMessage r = await _session.GetAsync(path, ct).ConfigureAwait(false);
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

    /// <summary>Names the token accepts: one non-empty segment, not "." or "..", without '/' or NUL (§5.6).</summary>
    public static string Path(string name)
    {
        if (name.Length == 0 || name is "." or ".." || name.Contains('/') || name.Contains('\0'))
            throw new ArgumentException($"'{name}' is not a valid FTS file name (one segment, not . or .., no '/' or NUL)", nameof(name));
        return FobnailPaths.StorageFile(name);
    }
}
