using Fobnail.Testing.Network;

namespace Fobnail.Token.Emulator.Tests;

/// <summary>
/// The emulator where the real token stands: in its own network namespace on 169.254.0.1/16 (the default
/// --listen), reached over a veth pair from a second namespace, as a host with 169.254.0.8/16 would reach the
/// token. Both namespaces are created and deleted by the test.
/// </summary>
public sealed class NetnsTests : IDisposable
{
    private readonly string _id = $"{Environment.ProcessId % 10000}{Random.Shared.Next(1000):D3}";
    private readonly NetworkNamespace _tokenNs = new("tok");
    private readonly NetworkNamespace _hostNs = new("host");
    private readonly string _dir = Directory.CreateTempSubdirectory("fobnail-netns-").FullName;

    public NetnsTests()
    {
        Command.Output("ip", "link", "add", $"fbt{_id}", "netns", _tokenNs.Name, "type", "veth", "peer", "name", $"fbh{_id}", "netns", _hostNs.Name);
        _tokenNs.Ip("addr", "add", "169.254.0.1/16", "dev", $"fbt{_id}");
        _hostNs.Ip("addr", "add", "169.254.0.8/16", "dev", $"fbh{_id}");
        // A second host address outside the token's subnet (with a route back, so the emulator can answer it).
        _hostNs.Ip("addr", "add", "10.77.0.2/24", "dev", $"fbh{_id}");
        _tokenNs.Ip("link", "set", $"fbt{_id}", "up");
        _hostNs.Ip("link", "set", $"fbh{_id}", "up");
        _tokenNs.Ip("route", "add", "10.77.0.0/24", "dev", $"fbt{_id}");
    }

    [Fact]
    public async Task Default_Listen_Address_Serves_The_Host_At_169_254_0_8_And_Logs_The_Unroutable_Client_Difference()
    {
        await using var emu = CliTests.StartEmulator(["--state", Path.Combine(_dir, "state"), "--provisioned"], _tokenNs.Options);
        await emu.WaitForAsync("listening on 169\\.254\\.0\\.1:5683", TimeSpan.FromSeconds(30));
        string outFile = Path.Combine(_dir, "version.bin");
        (await _hostNs.RunAsync("coap-client-notls", ["-m", "get", "-o", outFile, "coap://169.254.0.1/api/version"])).EnsureSuccess();
        Assert.Equal(Convert.FromHexString("A16876657273696F6E738101"), File.ReadAllBytes(outFile));
        Assert.DoesNotContain("FIRMWARE DIFFERENCE", emu.Transcript);

        // From 10.77.0.2 the real token could not answer (no route; its UDP sink would panic).
        string outFile2 = Path.Combine(_dir, "version2.bin");
        (await _hostNs.RunAsync("coap-client-notls", ["-a", "10.77.0.2", "-m", "get", "-o", outFile2, "coap://169.254.0.1/api/version"])).EnsureSuccess();
        Assert.Equal(Convert.FromHexString("A16876657273696F6E738101"), File.ReadAllBytes(outFile2));
        await emu.WaitForAsync("FIRMWARE DIFFERENCE.*10\\.77\\.0\\.2.*panic", TimeSpan.FromSeconds(30));
    }

    public void Dispose()
    {
        _tokenNs.Dispose();
        _hostNs.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
