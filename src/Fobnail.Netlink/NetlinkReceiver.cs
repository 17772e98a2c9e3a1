using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Fobnail.Netlink;

/// <summary>
/// Turns a <see cref="NetlinkSocket"/> into an async stream of datagrams. A dedicated thread blocks in
/// poll(2) (no timers, no polling loops) and hands datagrams over a bounded channel; the socket's own
/// kernel queue absorbs bursts while the consumer is busy.
/// </summary>
public static class NetlinkReceiver
{
    /// <summary>Receive buffer: larger than any single netlink datagram the kernel sends (dumps use up to 32 KiB).</summary>
    public const int BufferBytes = 64 * 1024;

    public static async IAsyncEnumerable<NetlinkDatagram> ReceiveAllAsync(
        NetlinkSocket socket, string threadName, [EnumeratorCancellation] CancellationToken ct)
    {
        var channel = Channel.CreateBounded<NetlinkDatagram>(new BoundedChannelOptions(256)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var thread = new Thread(() => Pump(socket, channel.Writer, stop.Token)) { IsBackground = true, Name = threadName };
        thread.Start();
        try
        {
            await foreach (var d in channel.Reader.ReadAllAsync(ct).ConfigureAwait(false))
                yield return d;
        }
        finally
        {
            stop.Cancel();
            thread.Join();
        }
    }

    private static void Pump(NetlinkSocket socket, ChannelWriter<NetlinkDatagram> writer, CancellationToken ct)
    {
        var buffer = new byte[BufferBytes];
        try
        {
            while (true)
            {
                var r = socket.Receive(buffer, ct);
                long now = Stopwatch.GetTimestamp();
                var data = r.IsOverrun ? [] : buffer.AsSpan(0, Math.Min(r.Length, buffer.Length)).ToArray();
                var d = new NetlinkDatagram(data, r.SenderPortId, r.Groups, now, r.Truncated, r.IsOverrun);
                while (!writer.TryWrite(d))
                    if (!writer.WaitToWriteAsync(ct).AsTask().GetAwaiter().GetResult()) return;
            }
        }
        catch (OperationCanceledException)
        {
            writer.TryComplete();
        }
        catch (Exception e)
        {
            // Socket failures (not parse errors: nothing is parsed here) end the stream with the error.
            writer.TryComplete(e);
        }
    }
}
