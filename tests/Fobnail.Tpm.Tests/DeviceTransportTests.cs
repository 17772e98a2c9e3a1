using Fobnail.Tpm;

namespace Fobnail.Tpm.Tests;

/// <summary>
/// The device transport's open/write/read bindings against real kernel files (no TPM device on the build host;
/// the TPM-trait tests cover /dev/tpmrm0 when FOBNAIL_TEST_TPM=device:/dev/tpmrm0 in the QEMU guest).
/// </summary>
public class DeviceTransportTests
{
    [Fact]
    public void One_write_then_one_read_through_a_fifo_returns_the_bytes_written()
    {
        string dir = Directory.CreateTempSubdirectory("fobnail-tpm-fifo-").FullName;
        try
        {
            string fifo = Path.Combine(dir, "tpm");
            TpmFixture.Run("mkfifo", [fifo]);
            using TpmDeviceTransport t = TpmDeviceTransport.Open(fifo);
            byte[] command = DeviceTimeoutTests.Frame(TpmCc.PCR_Read, 300);
            new Random(7).NextBytes(command.AsSpan(10));
            Assert.Equal(command, t.Transmit(command));
            Assert.Equal($"device:{fifo}", t.Description);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void An_empty_read_is_a_transport_error()
    {
        using TpmDeviceTransport t = TpmDeviceTransport.Open("/dev/null");
        Assert.Contains("short read", Assert.Throws<TpmTransportException>(() => t.Transmit([0x80, 0x01])).Message);
    }

    [Fact]
    public void Commands_beyond_the_driver_buffer_are_refused_and_disposed_transports_throw()
    {
        TpmDeviceTransport t = TpmDeviceTransport.Open("/dev/zero");
        Assert.Contains("exceeds", Assert.Throws<TpmTransportException>(() => t.Transmit(new byte[TpmTransportLimits.MaxMessageSize + 1])).Message);
        Assert.Equal(TpmTransportLimits.MaxMessageSize, t.Transmit([1]).Length);
        t.Dispose();
        Assert.Throws<ObjectDisposedException>(() => t.Transmit([1]));
    }
}
