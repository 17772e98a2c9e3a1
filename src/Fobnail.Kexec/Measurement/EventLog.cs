using System.Text;
using System.Text.Json;
using Fobnail.Tpm;

namespace Fobnail.Kexec.Measurement;

/// <summary>
/// The measurements of one kexec, in extend order, and where they went. Shown as text (one event a line:
/// PCR, ALG:HEX per bank, object, description) and JSON by the CLI; saved and handed over as CEL-JSON
/// (<see cref="CelLog"/>).
/// </summary>
public sealed class EventLog
{
    /// <summary>Where /init writes the CEL-JSON log of the kexec (the same records as the handed-over one).</summary>
    public const string DefaultPath = "/run/fobnail/tpm2-measure.log";

    private readonly List<MeasurementEvent> _events = [];

    public IReadOnlyList<MeasurementEvent> Events => _events;

    /// <summary>The TPM the events were extended into, or null if they were only computed.</summary>
    public string? ExtendedInto { get; set; }

    /// <summary>The extended PCRs' values before and after, read back from the TPM (empty if not extended).</summary>
    public IReadOnlyList<PcrValue> PcrValues { get; set; } = [];

    public void Add(MeasurementEvent e) => _events.Add(e);

    /// <summary>One line per event, e.g. <c>9 sha1:… sha256:… kernel /boot/vmlinuz (8247232 bytes)</c>.</summary>
    public IEnumerable<string> Lines() => _events.Select(e =>
        $"{e.Pcr} {string.Join(' ', e.Digests)} {e.ObjectName} {e.Description} ({e.Size} bytes)");

    public string ToText()
    {
        var sb = new StringBuilder();
        sb.Append("# fobnail-init kexec measurements: PCR, then ALG:HEX for every bank, then what was measured\n");
        foreach (string line in Lines()) sb.Append(line).Append('\n');
        sb.Append(ExtendedInto is null ? "# not extended into a TPM\n" : $"# extended into the TPM at {ExtendedInto}\n");
        foreach (PcrValue v in PcrValues) sb.Append("# ").Append(v).Append('\n');
        return sb.ToString();
    }

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> (directories created), replacing it atomically.</summary>
    public static void Save(string path, byte[] content)
    {
        string? dir = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        string temp = path + ".tmp";
        File.WriteAllBytes(temp, content);
        File.Move(temp, path, overwrite: true);
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        if (ExtendedInto is null) w.WriteNull("extended_into");
        else w.WriteString("extended_into", ExtendedInto);
        w.WriteStartArray("events");
        foreach (MeasurementEvent e in _events)
        {
            w.WriteStartObject();
            w.WriteNumber("pcr", e.Pcr);
            w.WriteString("object", e.ObjectName);
            w.WriteString("description", e.Description);
            w.WriteNumber("size", e.Size);
            w.WriteStartObject("digests");
            foreach (BankDigest d in e.Digests) w.WriteString(d.AlgorithmName, d.Hex);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("pcrs");
        foreach (PcrValue v in PcrValues)
        {
            w.WriteStartObject();
            w.WriteNumber("pcr", v.Pcr);
            w.WriteString("bank", TpmHash.AlgorithmName(v.Bank));
            w.WriteString("before", Convert.ToHexStringLower(v.Before));
            w.WriteString("after", Convert.ToHexStringLower(v.After));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            WriteJson(w);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
