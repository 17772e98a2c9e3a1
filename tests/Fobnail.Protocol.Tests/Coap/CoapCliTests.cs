using Fobnail.Protocol.Tests.Support;
using Fobnail.Testing.Network;
using Fobnail.Testing.Processes;

namespace Fobnail.Protocol.Tests.Coap;

/// <summary><c>fobnail-init coap ...</c> (fobnail-init.dll as a process) against libcoap's coap-server-notls on loopback.</summary>
public class CoapCliTests
{
    private static Task<CommandResult> Run(params string[] args) =>
        Task.Run(() => FobnailInitProcess.Run(args, TimeSpan.FromSeconds(60)));

    [Fact]
    public async Task PutThenGetPrintsCodeOptionsAndCborDiagnostic()
    {
        int port = FreePorts.Udp();
        await using var server = LoggedProcess.Start("coap-server-notls", "coap-server-notls", ["-A", "127.0.0.1", "-p", port.ToString(), "-v", "0"]);
        string file = Path.Combine(Path.GetTempPath(), $"fobnail-cli-{Guid.NewGuid():N}.cbor");
        await File.WriteAllBytesAsync(file, Hex.Parse("A1 68 76657273696F6E73 81 01"));
        try
        {
            string uri = $"coap://127.0.0.1:{port}/example_data";
            // The server may need a moment to bind; the client's retransmission covers that.
            var put = await Run("coap", "put", uri, "--payload-file", file, "--content-format", "60");
            Assert.True(put.ExitCode == 0, put.Stdout + put.Stderr);
            Assert.StartsWith("2.0", put.Stdout);

            var get = await Run("coap", "get", uri);
            Assert.Equal(0, get.ExitCode);
            Assert.Contains("2.05", get.Stdout);
            Assert.Contains("Content-Format: 60", get.Stdout);
            Assert.Contains("\"versions\": [", get.Stdout);

            var missing = await Run("coap", "get", $"coap://127.0.0.1:{port}/no/such/thing");
            Assert.Equal(1, missing.ExitCode);
            Assert.StartsWith("4.04", missing.Stdout);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1/x")]
    [InlineData("coap://example.org/x")]
    [InlineData("not a uri")]
    public async Task BadUrisAreRejected(string uri)
    {
        var r = await Run("coap", "get", uri);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("coap:", r.Stderr);
    }
}
