using Fobnail.Protocol.Tests.Support;

namespace Fobnail.Protocol.Tests.Coap;

/// <summary>
/// <c>fobnail-init coap ...</c> run in-process (Program.Main) against libcoap's coap-server-notls on loopback.
/// Console output is captured, so these tests do not run in parallel with each other.
/// </summary>
[Collection(nameof(CoapCliTests))]
public class CoapCliTests
{
    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            int exit = await Task.Run(() => Fobnail.Init.Program.Main(args));
            return (exit, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    [Fact]
    public async Task PutThenGetPrintsCodeOptionsAndCborDiagnostic()
    {
        int port = Loopback.FreeUdpPort();
        using var server = new ExternalProcess("coap-server-notls", "-A", "127.0.0.1", "-p", port.ToString(), "-v", "0");
        string file = Path.Combine(Path.GetTempPath(), $"fobnail-cli-{Guid.NewGuid():N}.cbor");
        await File.WriteAllBytesAsync(file, Hex.Parse("A1 68 76657273696F6E73 81 01"));
        try
        {
            string uri = $"coap://127.0.0.1:{port}/example_data";
            // The server may need a moment to bind; the client's retransmission covers that.
            var put = await Run("coap", "put", uri, "--payload-file", file, "--content-format", "60");
            Assert.True(put.Exit == 0, put.Out + put.Err);
            Assert.StartsWith("2.0", put.Out);

            var get = await Run("coap", "get", uri);
            Assert.Equal(0, get.Exit);
            Assert.Contains("2.05", get.Out);
            Assert.Contains("Content-Format: 60", get.Out);
            Assert.Contains("\"versions\": [", get.Out);

            var missing = await Run("coap", "get", $"coap://127.0.0.1:{port}/no/such/thing");
            Assert.Equal(1, missing.Exit);
            Assert.StartsWith("4.04", missing.Out);
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
        Assert.Equal(2, r.Exit);
        Assert.Contains("coap:", r.Err);
    }
}

[CollectionDefinition(nameof(CoapCliTests), DisableParallelization = true)]
public class CoapCliTestsCollection;
