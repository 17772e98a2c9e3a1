using System.Net.Sockets;
using Fobnail.Token.Usb.Device;
using Fobnail.Token.Usb.UsbRedir;

namespace Fobnail.Token.Usb.Host;

public sealed record TwinOptions
{
    /// <summary>Unix socket QEMU's chardev connects to (<c>chardev-add socket,id=ID,path=PATH</c>).</summary>
    public required string SocketPath { get; init; }
    /// <summary>Tap device the token's network side is bridged to; null: frames from the host go nowhere.</summary>
    public string? TapName { get; init; }
    public TokenIdentity Identity { get; init; } = new();
    /// <summary>One line per EEM packet and Ethernet frame (and per control request).</summary>
    public bool Trace { get; init; }
    /// <summary>End a bulk IN that waited this long with a zero-length packet (null: wait for data, like the device).</summary>
    public TimeSpan? InHold { get; init; }
}

/// <summary>
/// Serves the twin on a unix socket: each connection is one plug of the device (QEMU connects when the chardev is
/// added and closes when it is removed), one at a time, all sharing the tap device.
/// </summary>
public sealed class TwinServer(TwinOptions options, Action<string> log)
{
    private readonly object _gate = new();
    private TokenDevice? _active;
    private TapDevice? _tap;

    public async Task RunAsync(CancellationToken ct)
    {
        if (options.TapName is { } tapName)
        {
            _tap = TapDevice.Open(tapName);
            new Thread(ReadTap) { IsBackground = true, Name = "tap " + tapName }.Start();
        }
        File.Delete(options.SocketPath);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(options.SocketPath));
        listener.Listen(4);
        log($"usb twin listening on {options.SocketPath} as {options.Identity}{(_tap is null ? "" : $", network on tap {_tap.Name}")}");
        try
        {
            while (!ct.IsCancellationRequested)
            {
                using var connection = await listener.AcceptAsync(ct).ConfigureAwait(false);
                await ServeAsync(connection, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            File.Delete(options.SocketPath);
            _tap?.Dispose();
        }
    }

    private async Task ServeAsync(Socket connection, CancellationToken ct)
    {
        Action<string>? trace = options.Trace ? log : null;
        var device = new TokenDevice(options.Identity, packet => connection.Send(packet), WriteTap, trace, log)
        {
            AnswerInAtOnce = options.InHold == TimeSpan.Zero,
        };
        log("usbredir: connected (plugged)");
        var buffer = new byte[64 * 1024];
        using var sessionEnd = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var expiry = Task.CompletedTask;
        try
        {
            lock (_gate)
            {
                _active = device;
                device.Start();
            }
            if (options.InHold is { } hold && hold > TimeSpan.Zero) expiry = ExpireAsync(device, hold, sessionEnd.Token);
            while (true)
            {
                int n = await connection.ReceiveAsync(buffer, SocketFlags.None, ct).ConfigureAwait(false);
                if (n == 0) break;
                lock (_gate) device.Feed(buffer.AsSpan(0, n));
            }
            log("usbredir: connection closed (unplugged)");
        }
        catch (UsbRedirProtocolException e)
        {
            log($"usbredir: protocol error, dropping the connection: {e.Message}");
        }
        catch (SocketException e)
        {
            log($"usbredir: connection lost: {e.Message}");
        }
        finally
        {
            await sessionEnd.CancelAsync().ConfigureAwait(false);
            await expiry.ConfigureAwait(false);
            lock (_gate) _active = null;
            log($"usbredir: session done: {device.Counters}");
        }
    }

    private async Task ExpireAsync(TokenDevice device, TimeSpan hold, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(hold / 2);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
                lock (_gate) device.ExpireWaitingIn(hold);
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException e)
        {
            log($"usbredir: connection lost: {e.Message}");
        }
    }

    private void WriteTap(byte[] frame)
    {
        try { _tap?.Write(frame); }
        catch (IOException e) { log($"tap: frame of {frame.Length} bytes not sent: {e.Message}"); }
    }

    private void ReadTap()
    {
        var frame = new byte[16384];
        while (true)
        {
            int n;
            try { n = _tap!.Read(frame); }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                log($"tap: {e.Message}");
                return;
            }
            lock (_gate)
            {
                if (_active is { } device) device.FromNetwork(frame.AsSpan(0, n));
                else if (options.Trace) log($"eem in dropped (unplugged): {FrameSummary.Describe(frame.AsSpan(0, n))}");
            }
        }
    }
}
