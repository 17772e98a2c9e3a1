using Serilog;
using Tmds.DBus.Protocol;

namespace Fobnail.Hosted.DBus;

/// <summary>
/// The object /org/fobnail/Attester1 (interface org.fobnail.Attester1, dist/dbus/org.fobnail.Attester1.xml):
/// read-only properties through org.freedesktop.DBus.Properties with PropertiesChanged, the Verdict signal, and
/// AttestNow. Who may call what is the bus's business (dist/dbus/org.fobnail.Attester1.conf), not ours.
/// </summary>
public sealed class AttesterObject : IPathMethodHandler
{
    private const string PropertiesInterface = "org.freedesktop.DBus.Properties";
    private const string InvalidArgs = "org.freedesktop.DBus.Error.InvalidArgs";
    private const string UnknownProperty = "org.freedesktop.DBus.Error.UnknownProperty";
    private const string UnknownInterface = "org.freedesktop.DBus.Error.UnknownInterface";
    private const string PropertyReadOnly = "org.freedesktop.DBus.Error.PropertyReadOnly";

    private readonly DBusConnection _connection;
    private readonly Func<CancellationToken, Task<AttestNowResult>> _attestNow;
    private readonly ILogger _log;
    private readonly Lock _lock = new();
    private AttesterState _state = AttesterState.Initial;

    public AttesterObject(DBusConnection connection, Func<CancellationToken, Task<AttestNowResult>> attestNow, ILogger? log = null)
    {
        _connection = connection;
        _attestNow = attestNow;
        _log = log ?? Serilog.Core.Logger.None;
    }

    public string Path => AttesterBus.ObjectPath;

    public bool HandlesChildPaths => false;

    public AttesterState State { get { lock (_lock) return _state; } }

    public void SetTokenPresent(bool present) => Update(s => s with { TokenPresent = present });

    /// <summary>Records a verdict: the properties change (PropertiesChanged), then the Verdict signal goes out.</summary>
    public void PublishVerdict(string verdict, string detail, DateTimeOffset time, string? platformId)
    {
        ulong us = AttesterState.ToMicroseconds(time);
        Update(s => s with { LastVerdict = verdict, LastVerdictTime = us, PlatformId = platformId ?? s.PlatformId });
        Send(BusMessages.Build(_connection, (ref MessageWriter w) =>
        {
            w.WriteSignalHeader(null, AttesterBus.ObjectPath, AttesterBus.Interface, "Verdict", "sst");
            w.WriteString(verdict);
            w.WriteString(detail);
            w.WriteUInt64(us);
        }), "Verdict signal");
    }

    private void Update(Func<AttesterState, AttesterState> change)
    {
        AttesterState before, after;
        lock (_lock)
        {
            before = _state;
            after = _state = change(before);
        }
        string[] changed = PropertyNames.Where(name => !SameProperty(before, after, name)).ToArray();
        if (changed.Length == 0) return;

        Send(BusMessages.Build(_connection, (ref MessageWriter w) =>
        {
            w.WriteSignalHeader(null, AttesterBus.ObjectPath, PropertiesInterface, "PropertiesChanged", "sa{sv}as");
            w.WriteString(AttesterBus.Interface);
            ArrayStart dict = w.WriteDictionaryStart();
            foreach (string name in changed)
            {
                w.WriteDictionaryEntryStart();
                w.WriteString(name);
                WriteProperty(ref w, after, name);
            }
            w.WriteDictionaryEnd(dict);
            w.WriteArray(Array.Empty<string>());
        }), "PropertiesChanged");
    }

    private void Send(MessageBuffer message, string what)
    {
        // The connection being gone is the daemon's concern (it watches DisconnectedAsync and exits).
        if (!_connection.TrySendMessage(message))
            _log.Warning("D-Bus: could not send {What}: the connection is closed", what);
    }

    public ValueTask HandleMethodAsync(MethodContext context)
    {
        Message request = context.Request;
        try
        {
            if (context.IsDBusIntrospectRequest)
            {
                context.ReplyIntrospectXml([AttesterBus.InterfaceXml, IntrospectionXml.DBusProperties, IntrospectionXml.DBusIntrospectable, IntrospectionXml.DBusPeer], []);
                return ValueTask.CompletedTask;
            }
            string? iface = request.InterfaceAsString;
            string? member = request.MemberAsString;
            if (iface == PropertiesInterface)
            {
                HandleProperties(context, member);
                return ValueTask.CompletedTask;
            }
            if ((iface is null || iface == AttesterBus.Interface) && member == "AttestNow")
            {
                BusArguments.ExpectSignature(request, "", "AttestNow");
                // Attesting takes seconds: reply later so the connection keeps serving Get and others meanwhile.
                context.DisposesAsynchronously = true;
                _ = AttestNowAsync(context);
                return ValueTask.CompletedTask;
            }
            context.ReplyUnknownMethodError();
        }
        catch (BusFormatException e)
        {
            context.ReplyError(InvalidArgs, e.Message);
        }
        return ValueTask.CompletedTask;
    }

    private async Task AttestNowAsync(MethodContext context)
    {
        try
        {
            _log.Information("D-Bus: AttestNow from {Sender}", context.Request.SenderAsString);
            AttestNowResult result = await _attestNow(context.RequestAborted).ConfigureAwait(false);
            MessageWriter w = context.CreateReplyWriter("ss");
            try
            {
                w.WriteString(result.Verdict);
                w.WriteString(result.Detail);
                context.Reply(w.CreateMessage());
            }
            finally { w.Dispose(); }
        }
        catch (AttestNowRefusedException e)
        {
            context.ReplyError(e.ErrorName, e.Message);
        }
        catch (OperationCanceledException)
        {
            context.ReplyError(AttesterBus.ErrorFailed, "cancelled (the daemon is stopping)");
        }
        catch (Exception e)
        {
            _log.Error(e, "D-Bus: AttestNow failed");
            context.ReplyError(AttesterBus.ErrorFailed, e.Message);
        }
        finally
        {
            context.Dispose();
        }
    }

    private void HandleProperties(MethodContext context, string? member)
    {
        Message request = context.Request;
        Reader reader = request.GetBodyReader();
        switch (member)
        {
            case "Get":
            {
                BusArguments.ExpectSignature(request, "ss", "Properties.Get");
                string iface = BusArguments.ReadString(ref reader, BusArguments.MaxNameLength, "interface name");
                string name = BusArguments.ReadString(ref reader, BusArguments.MaxNameLength, "property name");
                if (iface != AttesterBus.Interface) { context.ReplyError(UnknownInterface, $"no interface '{iface}' on {Path}"); return; }
                if (!PropertyNames.Contains(name)) { context.ReplyError(UnknownProperty, $"no property '{name}' on {AttesterBus.Interface}"); return; }
                MessageWriter w = context.CreateReplyWriter("v");
                try
                {
                    WriteProperty(ref w, State, name);
                    context.Reply(w.CreateMessage());
                }
                finally { w.Dispose(); }
                return;
            }
            case "GetAll":
            {
                BusArguments.ExpectSignature(request, "s", "Properties.GetAll");
                string iface = BusArguments.ReadString(ref reader, BusArguments.MaxNameLength, "interface name");
                MessageWriter w = context.CreateReplyWriter("a{sv}");
                try
                {
                    ArrayStart dict = w.WriteDictionaryStart();
                    if (iface == AttesterBus.Interface)
                    {
                        AttesterState s = State;
                        foreach (string name in PropertyNames)
                        {
                            w.WriteDictionaryEntryStart();
                            w.WriteString(name);
                            WriteProperty(ref w, s, name);
                        }
                    }
                    w.WriteDictionaryEnd(dict);
                    context.Reply(w.CreateMessage());
                }
                finally { w.Dispose(); }
                return;
            }
            case "Set":
                context.ReplyError(PropertyReadOnly, $"the properties of {AttesterBus.Interface} are read-only");
                return;
            default:
                context.ReplyUnknownMethodError();
                return;
        }
    }

    private static readonly string[] PropertyNames = ["TokenPresent", "LastVerdict", "LastVerdictTime", "PlatformId"];

    private static void WriteProperty(ref MessageWriter w, AttesterState s, string name)
    {
        switch (name)
        {
            case "TokenPresent": w.WriteVariantBool(s.TokenPresent); break;
            case "LastVerdict": w.WriteVariantString(s.LastVerdict); break;
            case "LastVerdictTime": w.WriteVariantUInt64(s.LastVerdictTime); break;
            case "PlatformId": w.WriteVariantString(s.PlatformId); break;
            default: throw new ArgumentOutOfRangeException(nameof(name), name, "not a property of " + AttesterBus.Interface);
        }
    }

    private static bool SameProperty(AttesterState a, AttesterState b, string name) => name switch
    {
        "TokenPresent" => a.TokenPresent == b.TokenPresent,
        "LastVerdict" => a.LastVerdict == b.LastVerdict,
        "LastVerdictTime" => a.LastVerdictTime == b.LastVerdictTime,
        _ => a.PlatformId == b.PlatformId,
    };
}
