using Fobnail.Tpm;

namespace Fobnail.Tpm.Tests;

public class CommandRunnerTests
{
    private static byte[] Header(ushort tag, uint rc, params byte[] rest)
    {
        var w = new TpmWriter();
        w.WriteU16(tag);
        w.WriteU32((uint)(10 + rest.Length));
        w.WriteU32(rc);
        w.WriteBytes(rest);
        return w.ToArray();
    }

    [Fact]
    public void Frames_a_command_with_a_password_session_per_part1()
    {
        var replay = new ReplayTransport([Header(0x8002, 0, 0, 0, 0, 0, /* auth */ 0, 0, 1, 0, 0)]);
        new PcrExtend { PcrHandle = 16, Digests = [new TpmtHa(TpmAlgId.Sha1, new byte[20])] }.Execute(replay);
        Assert.Equal(
            "8002" + "00000035" + "00000182" + "00000010" + "00000009" + "40000009" + "0000" + "00" + "0000"
            + "00000001" + "0004" + new string('0', 40),
            Convert.ToHexString(replay.Commands[0]));
    }

    [Fact]
    public void Retries_TPM_RC_RETRY_then_succeeds()
    {
        byte[] retry = Header(0x8001, TpmResponseCode.Retry);
        var replay = new ReplayTransport([retry, retry, Header(0x8001, 0)]);
        new FlushContext { FlushHandle = 0x03000000 }.Execute(replay);
        Assert.Equal(3, replay.Commands.Count);
    }

    [Fact]
    public void Gives_up_after_a_bounded_number_of_retries()
    {
        byte[] testing = Header(0x8001, TpmResponseCode.Testing);
        var replay = new ReplayTransport(Enumerable.Repeat(testing, 100));
        var e = Assert.Throws<TpmException>(() => new FlushContext { FlushHandle = 0x03000000 }.Execute(replay));
        Assert.Equal("TPM_RC_TESTING", e.ResponseCode!.Value.Name);
        Assert.Equal(TpmCommandRunner.MaxAttempts, replay.Commands.Count);
        Assert.Contains("TPM2_FlushContext", e.Message);
    }

    [Fact]
    public void Startup_treats_TPM_RC_INITIALIZE_as_already_started()
    {
        Assert.False(new Startup().Execute(new ReplayTransport([Header(0x8001, TpmResponseCode.Initialize)])));
        Assert.True(new Startup().Execute(new ReplayTransport([Header(0x8001, 0)])));
        Assert.Throws<TpmException>(() => new Startup().Execute(new ReplayTransport([Header(0x8001, 0x101)])));
    }

    [Fact]
    public void Error_codes_carry_the_command_name_and_decoded_code()
    {
        var e = Assert.Throws<TpmException>(() => new ReadPublic { ObjectHandle = 0x81000001 }.Execute(new ReplayTransport([Header(0x8001, 0x18B)])));
        Assert.Equal("TPM2_ReadPublic", e.CommandName);
        Assert.Equal(1, e.ResponseCode!.Value.HandleNumber);
        Assert.Contains("TPM_RC_HANDLE (handle 1)", e.Message);
    }

    [Fact]
    public void Response_size_mismatch_is_a_parse_error_naming_the_command()
    {
        byte[] response = Header(0x8001, 0, 1, 2);
        response[5]++;
        var e = Assert.Throws<TpmParseException>(() => new FlushContext { FlushHandle = 1 }.Execute(new ReplayTransport([response])));
        Assert.Contains("TPM2_FlushContext", e.Message);
    }
}
