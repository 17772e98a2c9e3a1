using System.Threading.Channels;
using Fobnail.Hosted.Daemon;
using Fobnail.Hosted.DBus;
using Fobnail.Netlink.Token;
using Tmds.DBus.Protocol;

namespace Fobnail.Hosted.Tests.Support;

/// <summary>
/// The daemon's D-Bus side as DaemonHost wires it (object, name, loop), with the token link's events fed by the
/// test instead of the netlink link manager (tested on its own in Fobnail.Netlink.Tests).
/// </summary>
internal sealed class ServedAttester : IAsyncDisposable
{
    private readonly Channel<TokenLinkEvent> _links = Channel.CreateUnbounded<TokenLinkEvent>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private TokenLinkState _state = TokenLinkState.Absent;

    private ServedAttester(DBusConnection connection, AttesterDaemon daemon, AttesterObject obj)
    {
        Connection = connection;
        Daemon = daemon;
        Object = obj;
        _loop = daemon.RunAsync(_links.Reader.ReadAllAsync(), _stop.Token);
    }

    public DBusConnection Connection { get; }
    public AttesterDaemon Daemon { get; }
    public AttesterObject Object { get; }

    public static async Task<ServedAttester> StartAsync(string address, IPlatformAttester attester)
    {
        DBusConnection connection = await BusConnection.ConnectAsync(address);
        var daemon = new AttesterDaemon(attester);
        var obj = new AttesterObject(connection, daemon.AttestNowAsync);
        daemon.Bus = obj;
        connection.AddMethodHandler(obj);
        await BusConnection.OwnNameAsync(connection, AttesterBus.BusName);
        return new ServedAttester(connection, daemon, obj);
    }

    /// <summary>Feeds the link states a plug produces, up to <paramref name="to"/>.</summary>
    public void Link(TokenLinkState to)
    {
        var e = new TokenLinkEvent(to, _state, to == TokenLinkState.Absent ? null : "usb0", to == TokenLinkState.Absent ? 0 : 7, null,
            DateTimeOffset.UtcNow, 0, null, "test");
        _state = to;
        _links.Writer.TryWrite(e);
    }

    public void Plug()
    {
        foreach (var s in new[] { TokenLinkState.Present, TokenLinkState.Up, TokenLinkState.Addressed, TokenLinkState.Ready }) Link(s);
    }

    /// <summary>Waits for the next published verdict.</summary>
    public Task<DaemonVerdict> NextVerdictAsync()
    {
        var tcs = new TaskCompletionSource<DaemonVerdict>(TaskCreationOptions.RunContinuationsAsynchronously);
        void On(DaemonVerdict v) { Daemon.VerdictPublished -= On; tcs.TrySetResult(v); }
        Daemon.VerdictPublished += On;
        return tcs.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    public async ValueTask DisposeAsync()
    {
        _links.Writer.TryComplete();
        await _stop.CancelAsync();
        await _loop;
        Connection.Dispose();
    }
}
