namespace Fobnail.Token.Emulator.Certificates;

/// <summary>
/// An iterative walk over DER TLVs that refuses deep nesting and malformed lengths before BouncyCastle's
/// recursive parser sees the bytes: a crafted certificate must not be able to exhaust the stack (a
/// StackOverflowException cannot be caught and would end the emulator).
/// </summary>
internal static class DerDepthCheck
{
    /// <summary>Real certificates nest about 10 levels deep (Name → RDN → AttributeTypeAndValue, extensions).</summary>
    public const int MaxDepth = 32;

    public static void Check(ReadOnlySpan<byte> der, string what)
    {
        Span<int> ends = stackalloc int[MaxDepth + 1];
        int depth = 0;
        ends[0] = der.Length;
        int pos = 0;
        while (pos < der.Length)
        {
            while (depth > 0 && pos == ends[depth]) depth--;
            if (pos == ends[depth] && depth == 0 && pos == der.Length) break;
            int limit = ends[depth];
            byte tag = der[pos++];
            if ((tag & 0x1F) == 0x1F)
            {
                // High tag number form: base-128 digits, the last without bit 8.
                int digits = 0;
                do
                {
                    if (pos >= limit || ++digits > 4) throw new CertificateException($"{what}: bad DER tag");
                } while ((der[pos++] & 0x80) != 0);
            }
            if (pos >= limit) throw new CertificateException($"{what}: DER truncated at a length");
            int length = der[pos++];
            if (length == 0x80) throw new CertificateException($"{what}: indefinite length is not DER");
            if (length > 0x80)
            {
                int n = length & 0x7F;
                if (n > 3 || pos + n > limit) throw new CertificateException($"{what}: bad DER length");
                length = 0;
                for (int i = 0; i < n; i++) length = (length << 8) | der[pos++];
            }
            if (length > limit - pos) throw new CertificateException($"{what}: DER element overruns its container");
            if ((tag & 0x20) != 0)
            {
                if (depth == MaxDepth) throw new CertificateException($"{what}: DER nested deeper than {MaxDepth}");
                ends[++depth] = pos + length;
            }
            else
            {
                pos += length;
            }
            while (depth > 0 && pos == ends[depth]) depth--;
        }
    }
}
