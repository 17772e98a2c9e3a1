using System.Threading.Channels;
using Fobnail.Hosted.DBus;
using Fobnail.Hosted.Notify;
using Tmds.DBus.Protocol;

namespace Fobnail.Hosted.Tests.Support;

/// <summary>
/// A desktop's notification server on a session bus, as far as a client sees it (org.freedesktop.Notifications,
/// Desktop Notifications Specification 1.2): GetCapabilities and Notify, each Notify decoded completely and
/// recorded, ids counted from 1, a replaced notification keeping its id. The real servers (GNOME Shell, dunst,
/// xfce4-notifyd) need a display, which this machine has not.
/// </summary>
internal sealed class NotificationServer : IPathMethodHandler, IDisposable
{
    public sealed record Shown(string AppName, uint ReplacesId, string Icon, string Summary, string Body, string[] Actions,
                               Dictionary<string, string> Hints, int ExpireTimeout, uint Id);

    private readonly DBusConnection _connection;
    private readonly string[] _capabilities;
    private readonly Channel<Shown> _shown = Channel.CreateUnbounded<Shown>();
    private uint _lastId;

    private NotificationServer(DBusConnection connection, string[] capabilities)
    {
        _connection = connection;
        _capabilities = capabilities;
    }

    public string Path => NotificationsClient.ObjectPath;
    public bool HandlesChildPaths => false;

    public static async Task<NotificationServer> StartAsync(string address, params string[] capabilities)
    {
        DBusConnection c = await BusConnection.ConnectAsync(address);
        var s = new NotificationServer(c, capabilities.Length > 0 ? capabilities : ["body", "icon-static"]);
        c.AddMethodHandler(s);
        await BusConnection.OwnNameAsync(c, NotificationsClient.BusName);
        return s;
    }

    /// <summary>The next notification shown (within <paramref name="seconds"/>).</summary>
    public async Task<Shown> NextAsync(int seconds = 30)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        return await _shown.Reader.ReadAsync(cts.Token);
    }

    public bool TryNext(out Shown? shown) => _shown.Reader.TryRead(out shown);

    public ValueTask HandleMethodAsync(MethodContext context)
    {
        Message m = context.Request;
        if (m.InterfaceAsString != NotificationsClient.Interface) { context.ReplyError("org.freedesktop.DBus.Error.UnknownInterface", "no"); return ValueTask.CompletedTask; }
        switch (m.MemberAsString, m.SignatureAsString ?? "")
        {
            case ("GetCapabilities", ""):
            {
                MessageWriter w = context.CreateReplyWriter("as");
                try
                {
                    ArrayStart a = w.WriteArrayStart(DBusType.String);
                    foreach (string cap in _capabilities) w.WriteString(cap);
                    w.WriteArrayEnd(a);
                    context.Reply(w.CreateMessage());
                }
                finally { w.Dispose(); }
                break;
            }
            case ("Notify", "susssasa{sv}i"):
            {
                Reader r = m.GetBodyReader();
                string app = r.ReadString();
                uint replaces = r.ReadUInt32();
                string icon = r.ReadString(), summary = r.ReadString(), body = r.ReadString();
                var actions = new List<string>();
                ArrayEnd ae = r.ReadArrayStart(DBusType.String);
                while (r.HasNext(ae)) actions.Add(r.ReadString());
                var hints = new Dictionary<string, string>();
                ArrayEnd he = r.ReadDictionaryStart();
                while (r.HasNext(he))
                {
                    r.AlignStruct();
                    string key = r.ReadString();
                    VariantValue v = r.ReadVariantValue();
                    hints[key] = v.Type == VariantValueType.Byte ? $"byte {v.GetByte()}" : v.ToString();
                }
                int expire = r.ReadInt32();
                uint id = replaces != 0 ? replaces : Interlocked.Increment(ref _lastId);
                _shown.Writer.TryWrite(new Shown(app, replaces, icon, summary, body, [.. actions], hints, expire, id));
                MessageWriter w = context.CreateReplyWriter("u");
                try
                {
                    w.WriteUInt32(id);
                    context.Reply(w.CreateMessage());
                }
                finally { w.Dispose(); }
                break;
            }
            default:
                context.ReplyError("org.freedesktop.DBus.Error.UnknownMethod", $"no {m.MemberAsString}({m.SignatureAsString})");
                break;
        }
        return ValueTask.CompletedTask;
    }

    public void Dispose() => _connection.Dispose();
}
