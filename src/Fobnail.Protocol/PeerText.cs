using System.Globalization;
using System.Text;

namespace Fobnail.Protocol;

/// <summary>
/// Text that came from the token (Location-Path segments, CBOR map keys, diagnostic payloads) made safe to put in
/// a log line: a token must not be able to write a fake line (newline, carriage return), move the cursor or
/// recolour the console (ANSI escapes start with ESC), or reorder what is shown (Unicode bidi and other format
/// characters). Such characters become \uXXXX, a backslash becomes \\ (so an escape cannot be forged), and the
/// result is bounded.
/// </summary>
public static class PeerText
{
    public const int DefaultMaxLength = 200;

    public static string Escape(string text, int maxLength = DefaultMaxLength)
    {
        var sb = new StringBuilder(Math.Min(text.Length, maxLength) + 8);
        foreach (char c in text)
        {
            if (sb.Length >= maxLength)
            {
                sb.Append("...");
                break;
            }
            if (c == '\\')
                sb.Append("\\\\");
            else if (NeedsEscape(c))
                sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else
                sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>Bytes from the token as UTF-8 text, escaped (invalid UTF-8 shows as U+FFFD).</summary>
    public static string Escape(ReadOnlySpan<byte> utf8, int maxLength = DefaultMaxLength) =>
        Escape(Encoding.UTF8.GetString(utf8[..Math.Min(utf8.Length, maxLength * 4)]), maxLength);

    /// <summary>C0/C1 controls and DEL, line/paragraph separators, and format characters (bidi overrides, zero-width).</summary>
    private static bool NeedsEscape(char c) =>
        char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) is
            UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
