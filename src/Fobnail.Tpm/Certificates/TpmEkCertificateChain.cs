using System.Text;

namespace Fobnail.Tpm;

/// <summary>
/// The EK certificate chain below the root, from a directory of certificate files (there is no internet in an
/// initramfs, so the reference's AIA download is replaced by shipped files). Files are DER or PEM, read in
/// file-name order; self-issued (root) certificates are dropped as the reference drops the root (§7.1).
/// </summary>
public static class TpmEkCertificateChain
{
    /// <summary>MAX_EK_CERT_CHAIN of the reference.</summary>
    public const int MaxCertificates = 5;

    /// <summary>The intermediates from <paramref name="directory"/> (top first, by file name), bounded in number and size.</summary>
    public static IReadOnlyList<byte[]> LoadIntermediates(string directory)
    {
        var result = new List<byte[]>();
        foreach (string path in Directory.GetFiles(directory).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(path);
            if (info.Length > 4 * Der.MaxCertificateSize)
                throw new TpmParseException(path, $"{info.Length} bytes is too large for a certificate file");
            byte[] der = Decode(File.ReadAllBytes(path), path);
            if (Der.IsSelfIssued(der, path))
                continue;
            if (result.Count == MaxCertificates)
                throw new TpmParseException(directory, $"more than {MaxCertificates} certificates");
            result.Add(der);
        }
        return result;
    }

    /// <summary>The array the token's /ek endpoint expects: intermediates top first, the EK certificate last.</summary>
    public static IReadOnlyList<byte[]> Build(byte[] ekCertificate, string? intermediatesDirectory) =>
        (intermediatesDirectory is null ? [] : LoadIntermediates(intermediatesDirectory)).Append(ekCertificate).ToArray();

    /// <summary>DER as is, or the first PEM CERTIFICATE block base64-decoded; then trimmed to its DER length.</summary>
    public static byte[] Decode(byte[] file, string context)
    {
        const string begin = "-----BEGIN CERTIFICATE-----";
        const string end = "-----END CERTIFICATE-----";
        if (file.Length > 0 && file[0] == Der.Sequence)
            return Der.TrimCertificate(file, context);
        string text = Encoding.ASCII.GetString(file);
        int start = text.IndexOf(begin, StringComparison.Ordinal);
        int stop = start < 0 ? -1 : text.IndexOf(end, start, StringComparison.Ordinal);
        if (start < 0 || stop < 0)
            throw new TpmParseException(context, "neither DER nor a PEM CERTIFICATE block");
        byte[] der;
        try
        {
            der = Convert.FromBase64String(text[(start + begin.Length)..stop]);
        }
        catch (FormatException e)
        {
            throw new TpmParseException(context, $"PEM body is not base64: {e.Message}");
        }
        return Der.TrimCertificate(der, context);
    }
}
