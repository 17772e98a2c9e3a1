namespace Fobnail.Token.Emulator.Certificates;

/// <summary>
/// Where issuers are looked up by Subject Key Identifier, in the firmware's order: the trusted roots (PO root
/// first), then volatile certificates (injected during a chain upload), then stored issuers (/cert/I_&lt;ski&gt;).
/// </summary>
public sealed class CertificateStore
{
    private readonly List<TokenCertificate> _roots;
    private readonly List<TokenCertificate> _volatile = [];
    private readonly Func<byte[], byte[]?> _storedIssuer;

    /// <param name="poRoot">The Platform Owner root (DER), or null if none is configured.</param>
    /// <param name="ekRoots">Further trusted roots (EK manufacturers' CAs).</param>
    /// <param name="storedIssuer">Reads /cert/I_&lt;hex ski&gt; from flash; null when absent.</param>
    public CertificateStore(byte[]? poRoot, IEnumerable<byte[]> ekRoots, Func<byte[], byte[]?> storedIssuer)
    {
        PoRootDer = poRoot;
        _roots = [];
        if (poRoot != null) _roots.Add(TokenCertificate.Parse(poRoot, trusted: true));
        foreach (byte[] der in ekRoots) _roots.Add(TokenCertificate.Parse(der, trusted: true));
        _storedIssuer = storedIssuer;
    }

    public byte[]? PoRootDer { get; }

    public int RootCount => _roots.Count;

    public void InjectVolatile(TokenCertificate certificate) => _volatile.Add(certificate);

    public void ClearVolatile() => _volatile.Clear();

    public IReadOnlyList<TokenCertificate> Volatile => _volatile;

    public TokenCertificate? Lookup(byte[] subjectKeyId)
    {
        foreach (TokenCertificate c in _roots)
            if (c.SubjectKeyIdentifier is { } ski && ski.AsSpan().SequenceEqual(subjectKeyId)) return c;
        foreach (TokenCertificate c in _volatile)
            if (c.SubjectKeyIdentifier is { } ski && ski.AsSpan().SequenceEqual(subjectKeyId)) return c;
        byte[]? stored = _storedIssuer(subjectKeyId);
        if (stored == null) return null;
        try
        {
            TokenCertificate c = TokenCertificate.Parse(stored);
            return c.SubjectKeyIdentifier is { } ski && ski.AsSpan().SequenceEqual(subjectKeyId) ? c : null;
        }
        catch (CertificateException)
        {
            return null;
        }
    }
}
