using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace Fobnail.Hosted.Systemd;

/// <summary>
/// Serilog sink for the systemd journal's native protocol (systemd.journal-fields(7), "Native Journal Protocol"
/// in systemd's docs): one datagram per entry to /run/systemd/journal/socket, fields KEY=VALUE\n, or for values
/// with a newline KEY\n + 64-bit little-endian length + value + \n. Fields: MESSAGE, PRIORITY (syslog level),
/// SYSLOG_IDENTIFIER, and every Serilog property as FOBNAIL_NAME (so `journalctl FOBNAIL_VERDICT=TRUSTED` works).
/// An entry is bounded (<see cref="MaxEntryBytes"/>): a huge message is cut, never sent through a memfd.
/// </summary>
public sealed class JournalSink : ILogEventSink, IDisposable
{
    public const string DefaultSocket = "/run/systemd/journal/socket";
    public const int MaxEntryBytes = 64 * 1024;
    private const int MaxFieldValueBytes = 8 * 1024;
    private const int MaxFields = 32;

    private readonly Socket _socket;
    private readonly UnixDomainSocketEndPoint _endPoint;
    private readonly string _identifier;
    private readonly Lock _lock = new();

    public JournalSink(string identifier, string socketPath = DefaultSocket)
    {
        _identifier = identifier;
        _endPoint = new UnixDomainSocketEndPoint(socketPath);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    }

    /// <summary>syslog(3) priority of a Serilog level (also the &lt;N&gt; prefix of sd-daemon(3) stdout lines).</summary>
    public static int Priority(LogEventLevel level) => level switch
    {
        LogEventLevel.Fatal => 2,       // LOG_CRIT
        LogEventLevel.Error => 3,       // LOG_ERR
        LogEventLevel.Warning => 4,     // LOG_WARNING
        LogEventLevel.Information => 6, // LOG_INFO
        _ => 7,                         // LOG_DEBUG
    };

    public void Emit(LogEvent logEvent)
    {
        byte[] entry = Format(logEvent, _identifier);
        lock (_lock)
        {
            try { _socket.SendTo(entry, SocketFlags.None, _endPoint); }
            catch (SocketException)
            {
                // journald gone or restarting: the entry is lost, the daemon goes on (logging must not kill it).
            }
        }
    }

    /// <summary>The datagram for one entry.</summary>
    public static byte[] Format(LogEvent e, string identifier)
    {
        var buffer = new MemoryStream();
        string message = Render(e);
        if (e.Exception is not null) message += "\n" + e.Exception;
        Field(buffer, "MESSAGE", message, MaxEntryBytes / 2);
        Field(buffer, "PRIORITY", Priority(e.Level).ToString(CultureInfo.InvariantCulture), 8);
        Field(buffer, "SYSLOG_IDENTIFIER", identifier, 64);
        int fields = 0;
        foreach (var (name, value) in e.Properties)
        {
            if (++fields > MaxFields || buffer.Length > MaxEntryBytes - MaxFieldValueBytes - 128) break;
            string key = FieldName(name);
            if (key.Length == 0) continue;
            string text = value is ScalarValue { Value: string s } ? s : value.ToString(null, CultureInfo.InvariantCulture);
            Field(buffer, key, text, MaxFieldValueBytes);
        }
        return buffer.ToArray();
    }

    private static readonly MessageTemplateTextFormatter Literal = new("{Message:lj}", CultureInfo.InvariantCulture);

    /// <summary>The message with string values as they are (Serilog's default rendering puts them in quotes).</summary>
    public static string Render(LogEvent e)
    {
        var w = new StringWriter(CultureInfo.InvariantCulture);
        Literal.Format(e, w);
        return w.ToString();
    }

    /// <summary>FOBNAIL_ + the property name in upper case, only A-Z, 0-9 and _ (journal field name rules), at most 64 chars.</summary>
    public static string FieldName(string property)
    {
        var sb = new StringBuilder("FOBNAIL_");
        foreach (char c in property)
        {
            char u = char.ToUpperInvariant(c);
            if (u is (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_') sb.Append(u);
            if (sb.Length == 64) break;
        }
        return sb.Length == "FOBNAIL_".Length ? "" : sb.ToString();
    }

    private static void Field(MemoryStream buffer, string key, string value, int maxBytes)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length > maxBytes) bytes = bytes[..maxBytes];
        buffer.Write(Encoding.ASCII.GetBytes(key));
        if (Array.IndexOf(bytes, (byte)'\n') < 0)
        {
            buffer.WriteByte((byte)'=');
            buffer.Write(bytes);
        }
        else
        {
            buffer.WriteByte((byte)'\n');
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)bytes.Length);
            buffer.Write(length);
            buffer.Write(bytes);
        }
        buffer.WriteByte((byte)'\n');
    }

    public void Dispose() => _socket.Dispose();
}
