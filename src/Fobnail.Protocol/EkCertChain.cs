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

    /// <summary>
    /// The encoded length (tag, length and contents) of a DER certificate's TBSCertificate, which the token hashes
    /// in ONE Trussed message of at most <see cref="ProtocolLimits.MaxTbsCertificate"/> bytes: more makes the
    /// firmware panic (fobnail src/certmgr/verify.rs:365-377: tbs_certificate_raw() into hash_sha256 via syscall!).
    /// Null when the bytes are not a DER SEQUENCE holding a SEQUENCE.
    /// </summary>
    public static int? TbsCertificateLength(ReadOnlySpan<byte> certificate)
    {
        if (ReadHeader(certificate, out int outerHeader, out _) is not true) return null;
        ReadOnlySpan<byte> inner = certificate[outerHeader..];
        if (ReadHeader(inner, out int header, out int length) is not true || header + length > inner.Length) return null;
        return header + length;
    }

    /// <summary>A DER SEQUENCE header: its size and the contents length (definite lengths up to 4 bytes).</summary>
    private static bool ReadHeader(ReadOnlySpan<byte> der, out int headerSize, out int length)
    {
        headerSize = length = 0;
        if (der.Length < 2 || der[0] != 0x30) return false;
        if (der[1] < 0x80) { headerSize = 2; length = der[1]; return true; }
        int n = der[1] & 0x7F;
        if (n is 0 or > 3 || der.Length < 2 + n) return false;
        for (int i = 0; i < n; i++) length = length << 8 | der[2 + i];
        headerSize = 2 + n;
        return true;
    }
}
