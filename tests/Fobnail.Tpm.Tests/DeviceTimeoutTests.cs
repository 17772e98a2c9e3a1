using System.Buffers.Binary;
using System.Diagnostics;
using Fobnail.Tpm;

namespace Fobnail.Tpm.Tests;

/// <summary>
/// The device transport's bounded wait (write, then poll(2) for POLLIN under the command's deadline and the
/// transport's cancellation token) against a pseudo-terminal whose master plays the TPM.
/// </summary>
public class DeviceTimeoutTests
{
    /// <summary>A command header (TPM_ST_NO_SESSIONS, commandSize, commandCode) padded to <paramref name="size"/> bytes.</summary>
    internal static byte[] Frame(TpmCc code, int size = 10) => Frame((uint)code, size);

    internal static byte[] Frame(uint code, int size = 10, uint? claimedSize = null)
    {
        byte[] frame = new byte[size];
        BinaryPrimitives.WriteUInt16BigEndian(frame, 0x8001);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(2), claimedSize ?? (uint)size);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(6), code);
        return frame;
    }

    private static TpmTransportOptions Options(double commandSeconds, double keySeconds = 120, CancellationToken ct = default) => new()
    {
        CommandTimeout = TimeSpan.FromSeconds(commandSeconds),
        KeyGenerationTimeout = TimeSpan.FromSeconds(keySeconds),
        CancellationToken = ct,
    };

    [Fact]
    public void A_TPM_that_accepts_the_command_and_never_answers_times_out_naming_the_command()
    {
        using var pty = new PseudoTerminal();
        using var t = TpmDeviceTransport.Open(pty.SlavePath, Options(0.3));
        byte[] command = Frame(TpmCc.PCR_Read, 20);
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<TpmTimeoutException>(() => t.Transmit(command));
        clock.Stop();

        Assert.Equal(command, pty.ReadCommand()); // the "TPM" did receive it
        Assert.Equal("TPM2_PCR_Read", e.CommandName);
        Assert.Equal(TimeSpan.FromSeconds(0.3), e.Waited);
        Assert.Equal($"device:{pty.SlavePath}: no response to TPM2_PCR_Read within 0.3 s", e.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.3), TimeSpan.FromSeconds(5));

        // The TPM may still be executing it: the transport refuses to send more instead of mixing up responses.
        var after = Assert.Throws<TpmTransportException>(() => t.Transmit(Frame(TpmCc.PCR_Read)));
        Assert.Contains("unusable since TPM2_PCR_Read timed out after 0.3 s", after.Message);
    }

    [Theory]
    [InlineData(TpmCc.CreatePrimary)]
    [InlineData(TpmCc.Create)]
    [InlineData(TpmCc.CreateLoaded)]
    public void Key_generation_commands_wait_for_the_key_generation_timeout(TpmCc code)
    {
        using var pty = new PseudoTerminal();
        using var t = TpmDeviceTransport.Open(pty.SlavePath, Options(0.1, keySeconds: 0.6));
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<TpmTimeoutException>(() => t.Transmit(Frame(code)));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.6), TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(0.6), e.Waited);
        Assert.Equal("TPM2_" + code, e.CommandName);
    }

    [Fact]
    public void Unknown_command_codes_are_named_by_their_value()
    {
        using var pty = new PseudoTerminal();
        using var t = TpmDeviceTransport.Open(pty.SlavePath, Options(0.1));
        Assert.Equal("TPM_CC 0x0000ABCD", Assert.Throws<TpmTimeoutException>(() => t.Transmit(Frame(0xABCD))).CommandName);
    }

    [Fact]
    public void Cancellation_ends_the_wait_promptly_with_OperationCanceledException()
    {
        using var pty = new PseudoTerminal();
        using var cts = new CancellationTokenSource();
        using var t = TpmDeviceTransport.Open(pty.SlavePath, Options(60, 60, cts.Token));
        cts.CancelAfter(TimeSpan.FromMilliseconds(200));
        var clock = Stopwatch.StartNew();
        Assert.Throws<OperationCanceledException>(() => t.Transmit(Frame(TpmCc.Quote)));
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(3));
        Assert.Equal(Frame(TpmCc.Quote), pty.ReadCommand());
        // Once cancelled, the transport neither waits nor sends again.
        Assert.Throws<TpmTransportException>(() => t.Transmit(Frame(TpmCc.Quote)));
    }

    [Fact]
    public void An_already_cancelled_token_sends_nothing()
    {
        using var pty = new PseudoTerminal();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        using var t = TpmDeviceTransport.Open(pty.SlavePath, Options(60, 60, cts.Token));
        Assert.Throws<OperationCanceledException>(() => t.Transmit(Frame(TpmCc.Quote)));
        // Not abandoned: nothing reached the TPM, so the refusal is the cancellation again, not "unusable".
        Assert.Throws<OperationCanceledException>(() => t.Transmit(Frame(TpmCc.Quote)));
    }

    [Fact]
    public void A_slow_but_answering_TPM_still_works_and_the_next_command_too()
    {
        using var pty = new PseudoTerminal();
        using var t = TpmDeviceTransport.Open(pty.SlavePath, Options(5));
        byte[] response = [.. Frame(0, 14), 1, 2, 3, 4];
        BinaryPrimitives.WriteUInt32BigEndian(response.AsSpan(2), (uint)response.Length);
        Task peer = Task.Run(() =>
        {
            for (int i = 0; i < 2; i++)
            {
                pty.ReadCommand();
                Thread.Sleep(1000);
                pty.Answer(response);
            }
        });
        var clock = Stopwatch.StartNew();
        Assert.Equal(response, t.Transmit(Frame(TpmCc.GetCapability)));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
        Assert.Equal(response, t.Transmit(Frame(TpmCc.GetCapability)));
        Assert.True(peer.Wait(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void A_response_header_claiming_more_than_the_TPM_maximum_is_refused()
    {
        using var pty = new PseudoTerminal();
        using var t = TpmDeviceTransport.Open(pty.SlavePath, Options(5));
        Task peer = Task.Run(() =>
        {
            pty.ReadCommand();
            pty.Answer(Frame(0, 10, claimedSize: TpmTransportLimits.MaxMessageSize + 1));
            pty.ReadCommand();
            pty.Answer(Frame(0, 10, claimedSize: TpmTransportLimits.MaxMessageSize));
        });
        var e = Assert.Throws<TpmTransportException>(() => t.Transmit(Frame(TpmCc.PCR_Read)));
        Assert.Contains("claims 4097 bytes, which exceeds the TPM maximum of 4096", e.Message);
        // 4096 is allowed through (the runner then compares it with the bytes received).
        Assert.Equal(10, t.Transmit(Frame(TpmCc.PCR_Read)).Length);
        Assert.True(peer.Wait(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void Default_timeouts_are_30_s_and_120_s_for_key_generation()
    {
        var o = TpmTransportOptions.Default;
        Assert.Equal(TimeSpan.FromSeconds(30), o.TimeoutFor((uint)TpmCc.Quote));
        Assert.Equal(TimeSpan.FromSeconds(30), o.TimeoutFor((uint)TpmCc.ActivateCredential));
        Assert.Equal(TimeSpan.FromSeconds(120), o.TimeoutFor((uint)TpmCc.CreatePrimary));
        Assert.Equal(TimeSpan.FromSeconds(120), o.TimeoutFor((uint)TpmCc.Create));
        Assert.Equal(TimeSpan.FromSeconds(120), o.TimeoutFor((uint)TpmCc.CreateLoaded));
        Assert.False(o.CancellationToken.CanBeCanceled);
    }
}
