using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Fobnail.Init.Cli;

/// <summary>
/// The one output writer of the command line tool: indented "name: value" text lines, or with --json one JSON
/// object written with Utf8JsonWriter (no reflection under NativeAOT) when the command is done.
/// </summary>
internal sealed class CliOutput : IDisposable
{
    private readonly MemoryStream? _buffer;
    private readonly Utf8JsonWriter? _json;
    private readonly TextWriter _text;
    private int _depth;
    /// <summary>Text indentation depth at which the innermost open array's items are written.</summary>
    private int _arrayDepth = -1;

    /// <param name="json">One JSON object on stdout instead of text lines.</param>
    /// <param name="textToStderr">Text lines to stderr, leaving stdout to file content (fs get).</param>
    public CliOutput(bool json, bool textToStderr = false)
    {
        _text = textToStderr ? Console.Error : Console.Out;
        if (!json)
            return;
        _buffer = new MemoryStream();
        _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Indented = true });
        _json.WriteStartObject();
    }

    private void Line(string text) => _text.WriteLine(new string(' ', 2 * _depth) + text);

    public void Field(string name, string value)
    {
        if (_json is null) Line($"{name}: {value}");
        else _json.WriteString(name, value);
    }

    public void Field(string name, ulong value)
    {
        if (_json is null) Line($"{name}: {value.ToString(CultureInfo.InvariantCulture)}");
        else _json.WriteNumber(name, value);
    }

    public void Field(string name, bool value)
    {
        if (_json is null) Line($"{name}: {(value ? "yes" : "no")}");
        else _json.WriteBoolean(name, value);
    }

    /// <summary>File content: base64 in JSON, the raw bytes on stdout otherwise.</summary>
    public void Bytes(string name, byte[] value)
    {
        if (_json is not null)
        {
            _json.WriteBase64String(name, value);
            return;
        }
        Console.Out.Flush();
        using Stream stdout = Console.OpenStandardOutput();
        stdout.Write(value);
        stdout.Flush();
    }

    public void BeginArray(string name)
    {
        if (_json is null) Line($"{name}:");
        else _json.WriteStartArray(name);
        _depth++;
        _arrayDepth = _depth;
    }

    public void Item(string value)
    {
        if (_json is null) Line($"- {value}");
        else _json.WriteStringValue(value);
    }

    public void EndArray()
    {
        _json?.WriteEndArray();
        _depth--;
        _arrayDepth = -1;
    }

    /// <summary>An object: named in text output; inside an array it is an anonymous JSON object.</summary>
    public void BeginObject(string name)
    {
        if (_json is null) Line($"{name}:");
        else if (_depth == _arrayDepth) _json.WriteStartObject();
        else _json.WriteStartObject(name);
        _depth++;
    }

    public void EndObject()
    {
        _json?.WriteEndObject();
        _depth--;
    }

    public void Dispose()
    {
        if (_json is not null)
        {
            _json.WriteEndObject();
            _json.Flush();
            Console.Out.WriteLine(Encoding.UTF8.GetString(_buffer!.ToArray()));
            _json.Dispose();
            _buffer.Dispose();
        }
        _text.Flush();
    }
}
