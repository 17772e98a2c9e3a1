using Fobnail.Tpm;

namespace Fobnail.Tpm.Tests;

public class TransportSpecTests
{
    [Theory]
    [InlineData("device:/dev/tpmrm0", "device", "/dev/tpmrm0", "", 0)]
    [InlineData("device", "device", "/dev/tpmrm0", "", 0)]
    [InlineData("device:/dev/tpm0", "device", "/dev/tpm0", "", 0)]
    [InlineData("swtpm:127.0.0.1:2321", "swtpm", "", "127.0.0.1", 2321)]
    [InlineData("swtpm:localhost:65535", "swtpm", "", "localhost", 65535)]
    public void Parses_the_tpm_option(string text, string kind, string path, string host, int port)
    {
        Assert.Equal(new TpmTransportSpec(kind, path, host, port), TpmTransportSpec.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("device:dev/tpm0")]
    [InlineData("swtpm:127.0.0.1")]
    [InlineData("swtpm:127.0.0.1:0")]
    [InlineData("swtpm:127.0.0.1:70000")]
    [InlineData("swtpm::2321")]
    [InlineData("mssim:127.0.0.1:2321")]
    public void Rejects_malformed_tpm_options(string text)
    {
        Assert.Throws<FormatException>(() => TpmTransportSpec.Parse(text));
    }

    [Fact]
    public void Missing_device_is_a_transport_error()
    {
        var e = Assert.Throws<TpmTransportException>(() => TpmDeviceTransport.Open("/nonexistent/tpm"));
        Assert.Contains("/nonexistent/tpm", e.Message);
    }

    [Fact]
    public void Unreachable_simulator_is_a_transport_error()
    {
        // Port 1 on loopback: nothing listens there (and we may bind it as root, so no one else does).
        Assert.Throws<TpmTransportException>(() => TpmSimulatorTransport.Connect("127.0.0.1", 1));
    }
}
