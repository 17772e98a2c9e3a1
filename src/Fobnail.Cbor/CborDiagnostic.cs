using System.Globalization;
using System.Text;

namespace Fobnail.Cbor;

/// <summary>
/// Renders CBOR in RFC 8949 §8 diagnostic notation (e.g. <c>{"versions": [1]}</c>, <c>h'0102'</c>,
/// <c>{_ "nonce": h'..'}</c> for indefinite-length maps) for the CLI and for logs. Input is read in lax mode, so
/// anything well-formed prints; indefinite-length strings are shown joined (their chunking is not preserved).
/// </summary>
public static class CborDiagnostic
{
    /// <summary>Formats one data item. Throws <see cref="CborException"/> if the bytes are not well-formed CBOR.</summary>
    public static string Format(ReadOnlyMemory<byte> data, bool indent = false, int maxDepth = 32)
    {
        var reader = new CborReader(data, CborConformance.Lax, maxDepth);
        var sb = new StringBuilder();
        WriteItem(reader, sb, indent, 0);
        reader.ReadEndOfData();
        return sb.ToString();
    }

    /// <summary>True if <paramref name="data"/> is exactly one well-formed CBOR data item.</summary>
    public static bool TryFormat(ReadOnlyMemory<byte> data, out string text, bool indent = false)
    {
        try
        {
            text = Format(data, indent);
            return true;
        }
        catch (CborException)
        {
            text = "";
            return false;
        }
    }

    private static void WriteItem(CborReader r, StringBuilder sb, bool indent, int level)
    {
        switch (r.PeekState())
        {
            case CborReaderState.UnsignedInteger:
                sb.Append(r.ReadUInt64().ToString(CultureInfo.InvariantCulture));
                break;
            case CborReaderState.NegativeInteger:
                // -1 - n, printed exactly even for n = 2^64-1.
                sb.Append('-').Append(((UInt128)r.ReadNegativeIntegerArgument() + 1).ToString(CultureInfo.InvariantCulture));
                break;
            case CborReaderState.ByteString:
                sb.Append("h'").Append(Convert.ToHexString(r.ReadByteString()).ToLowerInvariant()).Append('\'');
                break;
            case CborReaderState.TextString:
                AppendQuoted(sb, r.ReadTextString());
                break;
            case CborReaderState.StartArray:
            {
                int? count = r.ReadStartArray();
                sb.Append(count is null ? (indent ? "[_" : "[_ ") : "[");
                bool first = true;
                while (r.PeekState() != CborReaderState.EndArray)
                {
                    Separator(sb, indent, level + 1, ref first);
                    WriteItem(r, sb, indent, level + 1);
                }
                r.ReadEndArray();
                Close(sb, indent, level, first, ']');
                break;
            }
            case CborReaderState.StartMap:
            {
                int? count = r.ReadStartMap();
                sb.Append(count is null ? (indent ? "{_" : "{_ ") : "{");
                bool first = true;
                while (r.PeekState() != CborReaderState.EndMap)
                {
                    Separator(sb, indent, level + 1, ref first);
                    WriteItem(r, sb, indent, level + 1);
                    sb.Append(": ");
                    WriteItem(r, sb, indent, level + 1);
                }
                r.ReadEndMap();
                Close(sb, indent, level, first, '}');
                break;
            }
            case CborReaderState.Tag:
                sb.Append(r.ReadTag().ToString(CultureInfo.InvariantCulture)).Append('(');
                WriteItem(r, sb, indent, level);
                sb.Append(')');
                break;
            case CborReaderState.Float:
                AppendFloat(sb, r.ReadDouble());
                break;
            default:
                byte simple = r.ReadSimpleValue();
                sb.Append(simple switch
                {
                    20 => "false",
                    21 => "true",
                    22 => "null",
                    23 => "undefined",
                    _ => "simple(" + simple.ToString(CultureInfo.InvariantCulture) + ")",
                });
                break;
        }
    }

    private static void Separator(StringBuilder sb, bool indent, int level, ref bool first)
    {
        if (!first) sb.Append(',');
        if (indent) sb.Append('\n').Append(' ', 2 * level);
        else if (!first) sb.Append(' ');
        first = false;
    }

    private static void Close(StringBuilder sb, bool indent, int level, bool empty, char bracket)
    {
        if (indent && !empty) sb.Append('\n').Append(' ', 2 * level);
        sb.Append(bracket);
    }

    private static void AppendFloat(StringBuilder sb, double d)
    {
        if (double.IsNaN(d)) sb.Append("NaN");
        else if (double.IsPositiveInfinity(d)) sb.Append("Infinity");
        else if (double.IsNegativeInfinity(d)) sb.Append("-Infinity");
        else
        {
            string s = d.ToString("R", CultureInfo.InvariantCulture);
            if (!s.Contains('.') && !s.Contains('E')) s += ".0";
            sb.Append(s);
        }
    }

    private static void AppendQuoted(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20 || c == 0x7F) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
