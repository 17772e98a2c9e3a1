using System.Collections.Concurrent;
using Fobnail.Hosted.DBus;
using Tmds.DBus.Protocol;

namespace Fobnail.Hosted.Tests.Support;

/// <summary>
/// A stand-in for systemd or NetworkManager on a private bus: owns their bus name, records every call
/// (interface, member, signature, string arguments) and answers with what the test says.
/// </summary>
internal sealed class RecordingService : IPathMethodHandler, IDisposable
{
    public delegate void Answer(MethodContext context);

    private readonly DBusConnection _connection;
    private readonly Answer _answer;

    private RecordingService(DBusConnection connection, string path, Answer answer)
    {
        _connection = connection;
        Path = path;
        _answer = answer;
    }

    public string Path { get; }

    public bool HandlesChildPaths => true;

    public ConcurrentQueue<Call> Calls { get; } = new();

    public sealed record Call(string Path, string Interface, string Member, string Signature, string[] Strings);

    public static async Task<RecordingService> StartAsync(string address, string busName, string path, Answer answer)
    {
        DBusConnection c = await BusConnection.ConnectAsync(address);
        var s = new RecordingService(c, path, answer);
        c.AddMethodHandler(s);
        // The bus releases a name when its owner's connection closes, asynchronously: a test that replaces one
        // stand-in by the next may ask before the previous owner's name is gone.
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                await BusConnection.OwnNameAsync(c, busName);
                return s;
            }
            catch (BusNameException) when (attempt < 50)
            {
                await Task.Delay(100);
            }
        }
    }

    public ValueTask HandleMethodAsync(MethodContext context)
    {
        Message m = context.Request;
        var strings = new List<string>();
        Reader r = m.GetBodyReader();
        // Only the leading string arguments are recorded (enough for StartUnit(ss) and Properties.Set(ssv)).
        foreach (char c in m.SignatureAsString ?? "")
        {
            if (c != 's') break;
            strings.Add(r.ReadString());
        }
        Calls.Enqueue(new Call(m.PathAsString ?? "", m.InterfaceAsString ?? "", m.MemberAsString ?? "", m.SignatureAsString ?? "", [.. strings]));
        _answer(context);
        return ValueTask.CompletedTask;
    }

    public static void ReplyObjectPath(MethodContext context, string path)
    {
        MessageWriter w = context.CreateReplyWriter("o");
        try
        {
            w.WriteObjectPath(path);
            context.Reply(w.CreateMessage());
        }
        finally { w.Dispose(); }
    }

    public static void ReplyString(MethodContext context, string value)
    {
        MessageWriter w = context.CreateReplyWriter("s");
        try
        {
            w.WriteString(value);
            context.Reply(w.CreateMessage());
        }
        finally { w.Dispose(); }
    }

    public static void ReplyEmpty(MethodContext context)
    {
        MessageWriter w = context.CreateReplyWriter(null!);
        try { context.Reply(w.CreateMessage()); }
        finally { w.Dispose(); }
    }

    /// <summary>Emits a signal with one object-path argument (NetworkManager's DeviceAdded(o)).</summary>
    public void EmitSignal(string path, string @interface, string member, string objectPath)
    {
        MessageBuffer signal = BusMessages.Build(_connection, (ref MessageWriter w) =>
        {
            w.WriteSignalHeader(null, path, @interface, member, "o");
            w.WriteObjectPath(objectPath);
        });
        if (!_connection.TrySendMessage(signal)) throw new InvalidOperationException($"could not send {member}");
    }

    public void Dispose() => _connection.Dispose();
}
