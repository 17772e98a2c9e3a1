using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Fobnail.Tpm.Tests;

/// <summary>`fobnail-init tpm ...` against a loopback "simulator" that reads commands and never answers.</summary>
public sealed class TpmCliTimeoutTests : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly TaskCompletionSource _commandRead = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _end = new();

    public TpmCliTimeoutTests()
    {
        _listener.Start();
        Task.Run(() =>
        {
            try
            {
                using Socket s = _listener.AcceptSocket();
                byte[] header = new byte[9];
                SimulatorFramingTests.ReceiveExactly(s, header);
                SimulatorFramingTests.ReceiveExactly(s, new byte[BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(5))]);
                _commandRead.SetResult();
                _end.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(60));
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
            {
                _commandRead.TrySetException(e);
            }
        });
    }

    private string Tpm => $"swtpm:127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public void Dispose()
    {
        _end.Cancel();
        _listener.Stop();
    }

    [Fact]
    public void A_TPM_that_never_answers_fails_the_command_after_the_timeout()
    {
        var clock = Stopwatch.StartNew();
        var (code, _, stderr) = FobnailInitProcess.Run(["tpm", "info", "--tpm", Tpm, "--timeout", "0.5"], TimeSpan.FromSeconds(30));
        Assert.Equal(1, code);
        Assert.Contains($"tpm: {Tpm}: no response to TPM2_Startup within 0.5 s", stderr);
        Assert.True(_commandRead.Task.IsCompletedSuccessfully);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Ctrl_C_ends_the_wait_for_the_TPM()
    {
        await using LoggedProcess p = FobnailInitProcess.Start(["tpm", "pcrs", "--tpm", Tpm, "--timeout", "120"]);
        Assert.True(_commandRead.Task.Wait(TimeSpan.FromSeconds(30)), "fobnail-init sent no command");
        var clock = Stopwatch.StartNew();
        await p.SignalAsync("INT");
        int code = await p.WaitForExitAsync(TimeSpan.FromSeconds(20));
        string stderr = string.Join('\n', p.StderrLines);
        Assert.Contains("tpm: interrupted while waiting for the TPM", stderr);
        Assert.Equal(1, code);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData("--timeout", "0")]
    [InlineData("--keygen-timeout", "-1")]
    [InlineData("--timeout", "NaN")]
    public void Timeouts_outside_0_to_3600_s_are_usage_errors(string option, string value)
    {
        var (code, _, stderr) = FobnailInitProcess.Run(["tpm", "info", "--tpm", Tpm, option, value], TimeSpan.FromSeconds(30));
        Assert.Equal(2, code);
        Assert.Contains($"{option} ", stderr);
        Assert.Contains("expected seconds between 0 and 3600", stderr);
    }
}
