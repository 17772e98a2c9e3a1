using Fobnail.Cbor;

namespace Fobnail.Protocol;

/// <summary>
/// POST /api/v1/admin/token_provision request (§5.3): <c>{"certs": [bstr DER, ...]}</c> with 2–3 certificates,
/// the Platform Owner root FIRST, then an optional intermediate, then the PO issuing CA.
/// </summary>
public sealed record PoCertChain(IReadOnlyList<byte[]> Certs)
{
    public byte[] Encode() => CertList.Encode(Certs);

    public void Write(CborWriter w) => CertList.Write(w, Certs);

    public static PoCertChain Decode(ReadOnlyMemory<byte> data, CborConformance conformance = CborConformance.Strict) =>
        new(CertList.Decode(data, conformance, nameof(PoCertChain)));
}
