namespace Fobnail.Tpm;

/// <summary>
/// A deliberately small, bounded DER walker (X.690): enough to trim an NV-stored certificate to its DER length
/// and to follow the fixed path Certificate → tbsCertificate → issuer/subject/subjectPublicKeyInfo → RSA modulus.
/// No general X.509 parsing (and no BouncyCastle BigInteger, which crashes under NativeAOT). Only definite
/// lengths of at most 4 length octets and low tag numbers are accepted; anything else is a TpmParseException.
/// </summary>
public static class Der
{
    public const byte Sequence = 0x30;
    public const byte Integer = 0x02;
    public const byte BitString = 0x03;
    public const byte ObjectIdentifier = 0x06;
    public const byte ContextConstructed0 = 0xA0;
    /// <summary>Certificates larger than this are not EK/CA certificates we can use (the token hashes ≤1 KB TBS).</summary>
    public const int MaxCertificateSize = 16384;

    /// <summary>1.2.840.113549.1.1.1 rsaEncryption, DER-encoded with tag and length.</summary>
    private static readonly byte[] RsaEncryptionOid = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];

    /// <summary>Reads the TLV header at <paramref name="offset"/>; the contents must lie before <paramref name="limit"/>.</summary>
    public static DerElement ReadElement(ReadOnlySpan<byte> data, int offset, int limit, string context)
    {
        if (limit > data.Length || offset < 0 || offset + 2 > limit)
            throw new TpmParseException(context, $"DER element at {offset} is truncated");
        byte tag = data[offset];
        if ((tag & 0x1F) == 0x1F)
            throw new TpmParseException(context, $"DER high tag number at {offset} is not supported");
        byte first = data[offset + 1];
        int headerLength = 2;
        long length;
        if (first < 0x80)
            length = first;
        else
        {
            int octets = first & 0x7F;
            if (octets == 0)
                throw new TpmParseException(context, $"indefinite length at {offset} is not DER");
            if (octets > 4)
                throw new TpmParseException(context, $"{octets}-octet length at {offset} is too large");
            if (offset + 2 + octets > limit)
                throw new TpmParseException(context, $"DER length at {offset} is truncated");
            length = 0;
            for (int i = 0; i < octets; i++)
                length = (length << 8) | data[offset + 2 + i];
            headerLength += octets;
        }
        if (length > limit - offset - headerLength)
            throw new TpmParseException(context, $"DER element at {offset} claims {length} bytes, {limit - offset - headerLength} remain");
        return new DerElement(tag, offset, headerLength, (int)length);
    }

    /// <summary>Total length (header + contents) of the outer SEQUENCE: the certificate without NV padding.</summary>
    public static int EncodedLength(ReadOnlySpan<byte> data, string context)
    {
        DerElement outer = ReadElement(data, 0, data.Length, context);
        if (outer.Tag != Sequence)
            throw new TpmParseException(context, $"outer tag 0x{outer.Tag:X2} is not a SEQUENCE");
        return outer.TotalLength;
    }

    /// <summary>The certificate trimmed to its DER length (NV areas may be padded, §7.1).</summary>
    public static byte[] TrimCertificate(ReadOnlySpan<byte> data, string context)
    {
        if (data.Length > MaxCertificateSize)
            data = data[..MaxCertificateSize];
        return data[..EncodedLength(data, context)].ToArray();
    }

    /// <summary>Issuer, subject and subjectPublicKeyInfo TLVs of an X.509 certificate's tbsCertificate (RFC 5280 §4.1).</summary>
    public static (DerElement Issuer, DerElement Subject, DerElement SubjectPublicKeyInfo) TbsFields(ReadOnlySpan<byte> cert, string context)
    {
        DerElement certificate = Expect(cert, 0, cert.Length, Sequence, "Certificate", context);
        DerElement tbs = Expect(cert, certificate.ContentStart, certificate.End, Sequence, "tbsCertificate", context);
        int position = tbs.ContentStart;
        DerElement next = ReadElement(cert, position, tbs.End, context);
        if (next.Tag == ContextConstructed0)
            position = next.End; // [0] version
        position = Expect(cert, position, tbs.End, Integer, "serialNumber", context).End;
        position = Expect(cert, position, tbs.End, Sequence, "signature", context).End;
        DerElement issuer = Expect(cert, position, tbs.End, Sequence, "issuer", context);
        position = Expect(cert, issuer.End, tbs.End, Sequence, "validity", context).End;
        DerElement subject = Expect(cert, position, tbs.End, Sequence, "subject", context);
        DerElement spki = Expect(cert, subject.End, tbs.End, Sequence, "subjectPublicKeyInfo", context);
        return (issuer, subject, spki);
    }

    /// <summary>True when issuer and subject are byte-identical: a self-issued (root) certificate.</summary>
    public static bool IsSelfIssued(ReadOnlySpan<byte> cert, string context)
    {
        var (issuer, subject, _) = TbsFields(cert, context);
        return cert.Slice(issuer.Start, issuer.TotalLength).SequenceEqual(cert.Slice(subject.Start, subject.TotalLength));
    }

    /// <summary>The RSA modulus (big-endian, no leading zero) and public exponent from the certificate's SubjectPublicKeyInfo.</summary>
    public static (byte[] Modulus, byte[] Exponent) RsaPublicKey(ReadOnlySpan<byte> cert, string context)
    {
        var (_, _, spki) = TbsFields(cert, context);
        DerElement algorithm = Expect(cert, spki.ContentStart, spki.End, Sequence, "algorithm", context);
        DerElement oid = Expect(cert, algorithm.ContentStart, algorithm.End, ObjectIdentifier, "algorithm OID", context);
        if (!cert.Slice(oid.Start, oid.TotalLength).SequenceEqual(RsaEncryptionOid))
            throw new TpmParseException(context, "subjectPublicKeyInfo is not rsaEncryption");
        DerElement bits = Expect(cert, algorithm.End, spki.End, BitString, "subjectPublicKey", context);
        if (bits.ContentLength < 1 || cert[bits.ContentStart] != 0)
            throw new TpmParseException(context, "subjectPublicKey BIT STRING has unused bits");
        DerElement key = Expect(cert, bits.ContentStart + 1, bits.End, Sequence, "RSAPublicKey", context);
        DerElement modulus = Expect(cert, key.ContentStart, key.End, Integer, "modulus", context);
        DerElement exponent = Expect(cert, modulus.End, key.End, Integer, "publicExponent", context);
        return (StripSign(cert.Slice(modulus.ContentStart, modulus.ContentLength)), StripSign(cert.Slice(exponent.ContentStart, exponent.ContentLength)));
    }

    private static byte[] StripSign(ReadOnlySpan<byte> integer)
    {
        while (integer.Length > 1 && integer[0] == 0)
            integer = integer[1..];
        return integer.ToArray();
    }

    private static DerElement Expect(ReadOnlySpan<byte> data, int offset, int limit, byte tag, string what, string context)
    {
        DerElement e = ReadElement(data, offset, limit, context);
        if (e.Tag != tag)
            throw new TpmParseException(context, $"{what}: expected tag 0x{tag:X2}, found 0x{e.Tag:X2} at {offset}");
        return e;
    }
}
