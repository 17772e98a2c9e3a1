using System.Text;
using System.Text.Json;
using Fobnail.Tpm;

namespace Fobnail.Kexec.Measurement;

/// <summary>
/// Writes, reads and replays CEL-JSON event logs. On disk a log is a JSON text sequence (RFC 7464) as systemd
/// writes it: each record is 0x1E, one JSON object, LF. The reader also takes plain JSON lines. A log is
/// untrusted input: lines, records, digests and nesting are bounded (<see cref="CelLimits"/>) and every
/// violation is a <see cref="CelFormatException"/> naming the line.
/// </summary>
public static class CelLog
{
    /// <summary>Where the booted system finds the log in its initramfs (see initramfs/target/README.md).</summary>
    public const string HandoverPath = "/.fobnail/tpm2-measure.log";

    public const byte RecordSeparator = 0x1E;

    /// <summary>The records of one kexec: one per extend, in extend order, with the before-values of <paramref name="log"/>.</summary>
    public static IReadOnlyList<CelRecord> FromEventLog(EventLog log, long firstRecNum = 0)
    {
        var records = new List<CelRecord>();
        var started = new HashSet<int>();
        long recnum = firstRecNum;
        foreach (MeasurementEvent e in log.Events)
        {
            IReadOnlyList<BankDigest> before = started.Add(e.Pcr)
                ? log.PcrValues.Where(v => v.Pcr == e.Pcr).Select(v => new BankDigest(v.Bank, v.Before)).ToArray()
                : [];
            var content = new FobnailContent(e.ObjectName, e.Description, e.Size, before);
            records.Add(new CelRecord(recnum++, e.Pcr, e.Digests, CelRecord.FobnailContentType, ContentJson(content)) { Fobnail = content });
        }
        return records;
    }

    private static string ContentJson(FobnailContent c)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("object", c.Object);
            w.WriteString("description", c.Description);
            w.WriteNumber("size", c.Size);
            if (c.Before.Count > 0) WriteDigests(w, "before", c.Before);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteDigests(Utf8JsonWriter w, string name, IReadOnlyList<BankDigest> digests)
    {
        w.WriteStartArray(name);
        foreach (BankDigest d in digests)
        {
            w.WriteStartObject();
            w.WriteString("hashAlg", d.AlgorithmName);
            w.WriteString("digest", d.Hex);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>The JSON-SEQ bytes of <paramref name="records"/>.</summary>
    public static byte[] Serialize(IEnumerable<CelRecord> records)
    {
        using var stream = new MemoryStream();
        foreach (CelRecord r in records)
        {
            stream.WriteByte(RecordSeparator);
            using (var w = new Utf8JsonWriter(stream))
            {
                w.WriteStartObject();
                w.WriteNumber("recnum", r.RecNum);
                w.WriteNumber("pcr", r.Pcr);
                WriteDigests(w, "digests", r.Digests);
                w.WriteString("content_type", r.ContentType);
                w.WritePropertyName("content");
                w.WriteRawValue(r.ContentJson, skipInputValidation: false);
                w.WriteEndObject();
            }
            stream.WriteByte((byte)'\n');
        }
        return stream.ToArray();
    }

    /// <summary>Reads a whole log from <paramref name="input"/>, never holding more than one line beyond the records.</summary>
    public static List<CelRecord> Parse(Stream input, CelLimits? limits = null)
    {
        limits ??= CelLimits.Default;
        var records = new List<CelRecord>();
        byte[] line = new byte[limits.MaxLineBytes];
        int length = 0, lineNumber = 1;
        long total = 0;
        byte[] chunk = new byte[64 * 1024];
        int n;
        while ((n = input.Read(chunk, 0, chunk.Length)) > 0)
        {
            total += n;
            if (total > limits.MaxFileBytes)
                throw new CelFormatException($"the log is larger than {limits.MaxFileBytes} bytes");
            for (int i = 0; i < n; i++)
            {
                byte b = chunk[i];
                if (b == (byte)'\n')
                {
                    ParseLine(line.AsSpan(0, length), lineNumber, records, limits);
                    length = 0;
                    lineNumber++;
                    continue;
                }
                if (length == line.Length)
                    throw new CelFormatException($"line {lineNumber}: longer than {limits.MaxLineBytes} bytes");
                line[length++] = b;
            }
        }
        ParseLine(line.AsSpan(0, length), lineNumber, records, limits);
        return records;
    }

    public static List<CelRecord> Parse(byte[] bytes, CelLimits? limits = null)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return Parse(stream, limits);
    }

    private static void ParseLine(ReadOnlySpan<byte> line, int number, List<CelRecord> records, CelLimits limits)
    {
        while (line.Length > 0 && line[0] == RecordSeparator) line = line[1..];
        line = line.TrimEnd("\r \t"u8);
        if (line.IsEmpty) return;
        if (records.Count == limits.MaxRecords)
            throw new CelFormatException($"line {number}: more than {limits.MaxRecords} records");
        try
        {
            using JsonDocument doc = JsonDocument.Parse(line.ToArray(), new JsonDocumentOptions { MaxDepth = limits.MaxDepth });
            records.Add(ParseRecord(doc.RootElement, limits));
        }
        catch (JsonException e)
        {
            throw new CelFormatException($"line {number}: not JSON: {e.Message}");
        }
        catch (CelFormatException e)
        {
            throw new CelFormatException($"line {number}: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            // JsonElement accessors on the wrong value kind.
            throw new CelFormatException($"line {number}: {e.Message}");
        }
    }

    private static CelRecord ParseRecord(JsonElement root, CelLimits limits)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new CelFormatException("a record is not a JSON object");
        long recnum = Required(root, "recnum").TryGetInt64(out long r) && r >= 0 ? r : throw new CelFormatException("recnum is not a non-negative integer");
        int pcr = Required(root, "pcr").TryGetInt32(out int p) && p is >= 0 and <= 23 ? p : throw new CelFormatException("pcr is not a PCR index 0-23");
        IReadOnlyList<BankDigest> digests = Digests(Required(root, "digests"), "digests", limits);
        if (digests.Count == 0) throw new CelFormatException("digests is empty");
        JsonElement type = Required(root, "content_type");
        if (type.ValueKind != JsonValueKind.String) throw new CelFormatException("content_type is not a string");
        string contentType = type.GetString()!;
        JsonElement content = root.TryGetProperty("content", out JsonElement c) ? c : default;
        string raw = content.ValueKind == JsonValueKind.Undefined ? "null" : content.GetRawText();
        FobnailContent? ours = null;
        if (contentType == CelRecord.FobnailContentType)
        {
            if (content.ValueKind != JsonValueKind.Object) throw new CelFormatException("a fobnail record's content is not an object");
            ours = new FobnailContent(
                String(content, "object"), String(content, "description"),
                Required(content, "size").TryGetInt64(out long size) && size >= 0 ? size : throw new CelFormatException("content.size is not a size"),
                content.TryGetProperty("before", out JsonElement before) ? Digests(before, "content.before", limits) : []);
        }
        return new CelRecord(recnum, pcr, digests, contentType, raw) { Fobnail = ours };
    }

    private static JsonElement Required(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) ? v : throw new CelFormatException($"{name} is missing");

    private static string String(JsonElement e, string name)
    {
        JsonElement v = Required(e, name);
        return v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new CelFormatException($"content.{name} is not a string");
    }

    private static BankDigest[] Digests(JsonElement array, string what, CelLimits limits)
    {
        if (array.ValueKind != JsonValueKind.Array) throw new CelFormatException($"{what} is not an array");
        if (array.GetArrayLength() > limits.MaxDigestsPerRecord) throw new CelFormatException($"{what} has more than {limits.MaxDigestsPerRecord} entries");
        var result = new List<BankDigest>();
        foreach (JsonElement d in array.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Object) throw new CelFormatException($"an entry of {what} is not an object");
            JsonElement alg = Required(d, "hashAlg"), hex = Required(d, "digest");
            if (alg.ValueKind != JsonValueKind.String || hex.ValueKind != JsonValueKind.String)
                throw new CelFormatException($"{what}: hashAlg and digest must be strings");
            TpmAlgId bank = ParseAlgorithm(alg.GetString()!);
            string text = hex.GetString()!;
            int size = TpmHash.DigestSize(bank);
            if (text.Length != 2 * size || !text.All(char.IsAsciiHexDigit))
                throw new CelFormatException($"{what}: the {alg.GetString()} digest is not {size} bytes of hex");
            if (result.Any(x => x.Hash == bank)) throw new CelFormatException($"{what}: two {alg.GetString()} digests");
            result.Add(new BankDigest(bank, Convert.FromHexString(text)));
        }
        return result.ToArray();
    }

    /// <summary>The CEL-JSON / systemd hashAlg names.</summary>
    public static TpmAlgId ParseAlgorithm(string name) => name switch
    {
        "sha1" => TpmAlgId.Sha1,
        "sha256" => TpmAlgId.Sha256,
        "sha384" => TpmAlgId.Sha384,
        "sha512" => TpmAlgId.Sha512,
        "sm3_256" => TpmAlgId.Sm3_256,
        _ => throw new CelFormatException($"unknown hashAlg '{Printable(name)}' (known: sha1, sha256, sha384, sha512, sm3_256)"),
    };

    /// <summary>At most 64 characters of untrusted text, control characters escaped, for error messages.</summary>
    public static string Printable(string text)
    {
        var sb = new StringBuilder();
        foreach (char ch in text.Length > 64 ? text[..64] : text)
            sb.Append(char.IsControl(ch) ? $"\\x{(int)ch:x2}" : ch);
        return text.Length > 64 ? sb.Append("...").ToString() : sb.ToString();
    }

    /// <summary>
    /// Replays <paramref name="records"/> for every bank in <paramref name="banks"/>: each PCR starts at the
    /// "before" value of its first record that has one (else all zeros: a PCR reset at boot) and is extended
    /// PCR = H(PCR || digest) per record in order. A record lacking a digest for a bank is an error: the log
    /// cannot explain that bank.
    /// </summary>
    public static IReadOnlyDictionary<(TpmAlgId Bank, int Pcr), byte[]> Replay(IReadOnlyList<CelRecord> records, IReadOnlyList<TpmAlgId> banks)
    {
        var values = new Dictionary<(TpmAlgId, int), byte[]>();
        foreach (CelRecord r in records)
            foreach (TpmAlgId bank in banks)
            {
                if (!values.TryGetValue((bank, r.Pcr), out byte[]? value))
                    value = r.Fobnail?.Before.FirstOrDefault(b => b.Hash == bank)?.Digest ?? new byte[TpmHash.DigestSize(bank)];
                BankDigest digest = r.Digest(bank) ?? throw new CelFormatException($"record {r.RecNum} has no {TpmHash.AlgorithmName(bank)} digest");
                values[(bank, r.Pcr)] = BankDigester.ExtendedValue(bank, value, digest.Digest);
            }
        return values;
    }
}

/// <summary>Hard limits on an event log read from outside.</summary>
public sealed record CelLimits
{
    public int MaxLineBytes { get; init; } = 64 * 1024;
    public int MaxRecords { get; init; } = 16 * 1024;
    public long MaxFileBytes { get; init; } = 64L << 20;
    public int MaxDigestsPerRecord { get; init; } = 8;
    public int MaxDepth { get; init; } = 16;

    public static CelLimits Default { get; } = new();
}

/// <summary>An event log that is not CEL-JSON we can use, with the line and the reason.</summary>
public sealed class CelFormatException(string message) : Exception(message);
