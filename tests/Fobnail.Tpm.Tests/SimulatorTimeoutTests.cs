using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Fobnail.Tpm;

namespace Fobnail.Tpm.Tests;

/// <summary>The simulator transport's bounded, cancellable receive against loopback peers that answer late, in part, or never.</summary>
public sealed class SimulatorTimeoutTests : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _end = new();

    public SimulatorTimeoutTests() => _listener.Start();

    public void Dispose()
    {
        _end.Cancel();
        _listener.Stop();
        _end.Dispose();
    }

    private int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>
    /// Accepts <paramref name="connections"/> connections one after the other and, for each command frame it
    /// reads, runs <paramref name="answer"/> with the running command index (it may sleep, write, or write
    /// nothing); connections stay open until the test ends.
    /// </summary>
    private Task Serve(Action<Socket, int> answer, int commands = 1, int connections = 1) => Task.Run(() =>
    {
        var open = new List<Socket>();
        try
        {
            for (int c = 0, index = 0; c < connections; c++)
            {
                Socket s = _listener.AcceptSocket();
                open.Add(s);
                for (int i = 0; i < commands; i++, index++)
                {
                    byte[] header = new byte[9];
                    SimulatorFramingTests.ReceiveExactly(s, header);
                    SimulatorFramingTests.ReceiveExactly(s, new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(5))]);
                    answer(s, index);
                }
            }
            _end.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(30));
        }
        finally
        {
            open.ForEach(s => s.Dispose());
        }
    });

    private static byte[] U32(uint value)
    {
        byte[] b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        return b;
    }

    private static readonly byte[] Response = DeviceTimeoutTests.Frame(0, 10);
    private static readonly byte[] Reply = [.. U32(10), .. Response, .. U32(0)];

    private static TpmTransportOptions Options(double seconds, CancellationToken ct = default) => new()
    {
        CommandTimeout = TimeSpan.FromSeconds(seconds),
        KeyGenerationTimeout = TimeSpan.FromSeconds(seconds),
        CancellationToken = ct,
    };

    [Fact]
    public void A_simulator_that_reads_the_command_and_never_answers_times_out()
    {
        Serve((_, _) => { });
        using var t = TpmSimulatorTransport.Connect("127.0.0.1", Port, Options(0.4));
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<TpmTimeoutException>(() => t.Transmit(DeviceTimeoutTests.Frame(TpmCc.NV_Read)));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.4), TimeSpan.FromSeconds(5));
        Assert.Equal($"swtpm:127.0.0.1:{Port}: no response to TPM2_NV_Read within 0.4 s", e.Message);
        Assert.Contains("unusable since TPM2_NV_Read timed out", Assert.Throws<TpmTransportException>(() => t.Transmit(Response)).Message);
    }

    [Fact]
    public void One_deadline_covers_the_whole_response_not_each_piece()
    {
        // Length and half the response at once, then a trickle of one byte every 150 ms: each receive makes
        // progress, but the command as a whole must still end at its deadline.
        Serve((s, _) =>
        {
            s.Send(Reply.AsSpan(0, 9));
            for (int i = 9; i < Reply.Length && !_end.IsCancellationRequested; i++)
            {
                Thread.Sleep(150);
                s.Send(Reply.AsSpan(i, 1));
            }
        });
        using var t = TpmSimulatorTransport.Connect("127.0.0.1", Port, Options(0.5));
        var clock = Stopwatch.StartNew();
        Assert.Throws<TpmTimeoutException>(() => t.Transmit(Response));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public void Cancellation_ends_the_wait_promptly_with_OperationCanceledException()
    {
        Serve((_, _) => { });
        using var cts = new CancellationTokenSource();
        using var t = TpmSimulatorTransport.Connect("127.0.0.1", Port, Options(60, cts.Token));
        cts.CancelAfter(TimeSpan.FromMilliseconds(200));
        var clock = Stopwatch.StartNew();
        Assert.Throws<OperationCanceledException>(() => t.Transmit(DeviceTimeoutTests.Frame(TpmCc.CreatePrimary)));
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void A_slow_but_answering_simulator_still_works()
    {
        Task peer = Serve((s, _) => { Thread.Sleep(1000); s.Send(Reply); }, commands: 2);
        using var t = TpmSimulatorTransport.Connect("127.0.0.1", Port, Options(5));
        var clock = Stopwatch.StartNew();
        Assert.Equal(Response, t.Transmit(Response));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
        Assert.Equal(Response, t.Transmit(Response));
        Assert.False(peer.IsFaulted);
    }

    [Fact]
    public void A_response_length_beyond_the_TPM_maximum_is_refused_and_the_maximum_is_accepted()
    {
        byte[] largest = DeviceTimeoutTests.Frame(0, TpmTransportLimits.MaxMessageSize);
        Serve((s, i) => s.Send(i == 0
            ? [.. U32(TpmTransportLimits.MaxMessageSize + 1)]
            : [.. U32(TpmTransportLimits.MaxMessageSize), .. largest, .. U32(0)]), connections: 2);
        using var t = TpmSimulatorTransport.Connect("127.0.0.1", Port, Options(5));
        var e = Assert.Throws<TpmTransportException>(() => t.Transmit(Response));
        Assert.Contains("response length 4097 exceeds the TPM maximum of 4096", e.Message);
        // The stream is out of step after a refused frame: the transport says so instead of misreading it.
        Assert.Contains("unusable since", Assert.Throws<TpmTransportException>(() => t.Transmit(Response)).Message);
        using var t2 = TpmSimulatorTransport.Connect("127.0.0.1", Port, Options(5));
        Assert.Equal(largest, t2.Transmit(Response));
    }
}
