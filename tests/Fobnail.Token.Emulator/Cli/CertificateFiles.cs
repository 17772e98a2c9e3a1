using System.Text;

namespace Fobnail.Token.Emulator.Cli;

/// <summary>Reads certificates from PEM (one or more CERTIFICATE blocks) or DER files.</summary>
public static class CertificateFiles
{
    private const string Begin = "-----BEGIN CERTIFICATE-----";
    private const string End = "-----END CERTIFICATE-----";

    public static List<byte[]> ReadFile(string path) => Parse(File.ReadAllBytes(path), path);

    /// <summary>The certificates in PEM text, or the bytes themselves when they are not PEM (DER).</summary>
    public static List<byte[]> Parse(byte[] bytes, string source = "input")
    {
        string text = Encoding.ASCII.GetString(bytes);
        if (!text.Contains(Begin, StringComparison.Ordinal)) return [bytes];
        var certs = new List<byte[]>();
        int at = 0;
        while ((at = text.IndexOf(Begin, at, StringComparison.Ordinal)) >= 0)
        {
            int end = text.IndexOf(End, at, StringComparison.Ordinal);
            if (end < 0) throw new FormatException($"{source}: unterminated PEM certificate");
            string b64 = text[(at + Begin.Length)..end];
            certs.Add(Convert.FromBase64String(string.Concat(b64.Where(c => !char.IsWhiteSpace(c)))));
            at = end + End.Length;
        }
        return certs;
    }

    /// <summary>Every certificate in every regular file of <paramref name="directory"/> (sorted by name).</summary>
    public static List<byte[]> ReadDirectory(string directory)
    {
        var certs = new List<byte[]>();
        foreach (string f in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
            certs.AddRange(ReadFile(f));
        return certs;
    }
}
