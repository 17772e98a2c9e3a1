using System.Text;
using Fobnail.Hosted.DBus;
using Tmds.DBus.Protocol;

namespace Fobnail.Hosted.Notify;

/// <summary>
/// Client of org.freedesktop.Notifications on a session bus (the Desktop Notifications Specification 1.2): what a
/// desktop's notification server shows as a pop-up. Only Notify and GetCapabilities; no actions.
/// </summary>
public sealed class NotificationsClient(DBusConnection connection)
{
    public const string BusName = "org.freedesktop.Notifications";
    public const string ObjectPath = "/org/freedesktop/Notifications";
    public const string Interface = "org.freedesktop.Notifications";

    /// <summary>The "urgency" hint's values.</summary>
    public enum Urgency : byte { Low = 0, Normal = 1, Critical = 2 }

    /// <summary>Longest capability name and most capabilities read from a server's GetCapabilities reply.</summary>
    private const int MaxCapabilities = 64;

    /// <summary>
    /// GetCapabilities: what the server supports ("body", "body-markup", "actions", ...). The reply is a peer's
    /// answer: bounded in count and length.
    /// </summary>
    public Task<string[]> GetCapabilitiesAsync()
    {
        MessageBuffer call = BusMessages.Build(connection, (ref MessageWriter w) =>
            w.WriteMethodCallHeader(BusName, ObjectPath, Interface, "GetCapabilities", null, MessageFlags.None));
        return connection.CallMethodAsync(call, static (Message m, object? _) =>
        {
            BusArguments.ExpectSignature(m, "as", "GetCapabilities reply");
            Reader r = m.GetBodyReader();
            var capabilities = new List<string>();
            ArrayEnd end = r.ReadArrayStart(DBusType.String);
            while (r.HasNext(end))
            {
                if (capabilities.Count == MaxCapabilities)
                    throw new BusFormatException($"GetCapabilities reply: more than {MaxCapabilities} capabilities");
                capabilities.Add(BusArguments.ReadString(ref r, BusArguments.MaxNameLength, "capability"));
            }
            return capabilities.ToArray();
        }, null);
    }

    /// <summary>
    /// Notify: shows a notification, or replaces the one with id <paramref name="replacesId"/> (0: a new one);
    /// returns its id. <paramref name="expireTimeoutMs"/> -1 is the server's default.
    /// </summary>
    public Task<uint> NotifyAsync(string appName, uint replacesId, string appIcon, string summary, string body, Urgency urgency, int expireTimeoutMs = -1)
    {
        MessageBuffer call = BusMessages.Build(connection, (ref MessageWriter w) =>
        {
            // Auto-start allowed: desktops start their notification server by D-Bus activation on first use.
            w.WriteMethodCallHeader(BusName, ObjectPath, Interface, "Notify", "susssasa{sv}i", MessageFlags.None);
            w.WriteString(appName);
            w.WriteUInt32(replacesId);
            w.WriteString(appIcon);
            w.WriteString(summary);
            w.WriteString(body);
            ArrayStart actions = w.WriteArrayStart(DBusType.String);
            w.WriteArrayEnd(actions);
            ArrayStart hints = w.WriteDictionaryStart();
            w.WriteDictionaryEntryStart();
            w.WriteString("urgency");
            w.WriteVariantByte((byte)urgency);
            w.WriteDictionaryEnd(hints);
            w.WriteInt32(expireTimeoutMs);
        });
        return connection.CallMethodAsync(call, static (Message m, object? _) =>
        {
            BusArguments.ExpectSignature(m, "u", "Notify reply");
            return m.GetBodyReader().ReadUInt32();
        }, null);
    }

    /// <summary>Escapes text for a server with "body-markup" (the specification's subset of XML markup).</summary>
    public static string EscapeMarkup(string text)
    {
        var b = new StringBuilder(text.Length);
        foreach (char c in text)
            b.Append(c switch { '&' => "&amp;", '<' => "&lt;", '>' => "&gt;", '"' => "&quot;", '\'' => "&apos;", _ => c.ToString() });
        return b.ToString();
    }
}
