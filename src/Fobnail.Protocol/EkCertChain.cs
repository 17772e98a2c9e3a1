using Fobnail.Cbor;

namespace Fobnail.Protocol;

/// <summary>
/// POST /api/v1/admin/provision/ek request (§5.4a): <c>{"certs": [bstr DER, ...]}</c>, from the certificate
/// below the trusted root down to the EK certificate (last); root excluded; the token accepts 1–2
/// (<see cref="ProtocolLimits.EkChainMaxCerts"/>, checked by the receiver, not the decoder).
/// </summary>
public sealed record EkCertChain(IReadOnlyList<byte[]> Certs)
{
    public byte[] Encode() => CertList.Encode(Certs);

    public void Write(CborWriter w) => CertList.Write(w, Certs);

    public static EkCertChain Decode(ReadOnlyMemory<byte> data, CborConformance conformance = CborConformance.Strict) =>
        new(CertList.Decode(data, conformance, nameof(EkCertChain)));
}
