using System.Net;
using System.Text;
using Fobnail.Coap;
using Fobnail.Testing.Network;
using Fobnail.Testing.Processes;

namespace Fobnail.Protocol.Tests.Coap;

/// <summary>
/// Interop with libcoap 4.3 (Debian libcoap3-bin), an independent implementation: our client against
/// coap-server-notls, and our server against coap-client-notls. Everything binds to 127.0.0.1.
/// </summary>
public class LibcoapInteropTests
{
    private static readonly CoapClientOptions Options = new() { AckTimeout = TimeSpan.FromSeconds(1), MaxRetransmit = 3 };

    private static byte[] Text(int n) => Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, n).Select(i => (char)('A' + i % 26))));

    private static async Task<(LoggedProcess Server, IPEndPoint EndPoint)> StartLibcoapServer()
    {
        int port = FreePorts.Udp();
        var server = LoggedProcess.Start("coap-server-notls", "coap-server-notls", ["-A", "127.0.0.1", "-p", port.ToString(), "-v", "0"]);
        var endPoint = new IPEndPoint(IPAddress.Loopback, port);
        using var probe = new CoapClient(endPoint, new CoapClientOptions { AckTimeout = TimeSpan.FromMilliseconds(100), MaxRetransmit = 0 });
        for (int i = 0; i < 50; i++)
            if (await probe.PingAsync()) return (server, endPoint);
        await server.DisposeAsync();
        throw new InvalidOperationException("coap-server-notls did not come up: " + server.Transcript);
    }

    [Fact]
    public async Task OurClient_PlainGetPingAndSeparateResponse()
    {
        var (server, endPoint) = await StartLibcoapServer();
        await using var _ = server;
        using var client = new CoapClient(endPoint, Options);

        var root = await client.GetAsync("/");
        Assert.Equal(CoapCode.Content, root.Code);
        Assert.Contains("libcoap", Encoding.UTF8.GetString(root.Payload));

        Assert.True(await client.PingAsync());

        // /async?1 answers with an empty ACK now and a CON 2.05 "done" after one second (RFC 7252 §5.2.2).
        var delayed = await client.SendAsync(new CoapRequest(CoapCode.Get, "/async")
        {
            Options = [CoapOption.String(CoapOptionNumber.UriQuery, "1")],
        });
        Assert.Equal(CoapCode.Content, delayed.Code);
        Assert.Equal(CoapType.Confirmable, delayed.Type);
        Assert.Equal("done", Encoding.UTF8.GetString(delayed.Payload));
    }

    [Fact]
    public async Task OurClient_Block1UploadAndBlock2DownloadOver5KB()
    {
        var (server, endPoint) = await StartLibcoapServer();
        await using var _ = server;
        using var client = new CoapClient(endPoint, Options);
        byte[] data = Text(6000);

        int before = client.DatagramsSent;
        var put = await client.PutAsync("/example_data", data, 0);
        Assert.True(put.Code.IsSuccess, $"PUT answered {put.Code}");
        Assert.True(client.DatagramsSent - before >= 6, "6000 bytes must go as at least six 1024-byte Block1 blocks");

        before = client.DatagramsSent;
        var get = await client.GetAsync("/example_data");
        Assert.Equal(CoapCode.Content, get.Code);
        Assert.Equal(data, get.Payload);
        Assert.True(client.DatagramsSent - before >= 6, "libcoap must have sent the body as Block2 blocks");
    }

    private static async Task<CoapServer> StartOurServer(Action<CoapServer> map)
    {
        var server = new CoapServer(new IPEndPoint(IPAddress.Loopback, 0));
        map(server);
        server.Start();
        await Task.Yield();
        return server;
    }

    [Fact]
    public async Task LibcoapClient_Block1UploadWithB1024()
    {
        byte[]? received = null;
        var blocks = new List<string>();
        await using var server = await StartOurServer(s =>
        {
            s.Map("/api/v1/storage/fs", ctx =>
            {
                received = ctx.Payload;
                return ValueTask.FromResult(new CoapServerResponse(CoapCode.Created));
            });
            s.RequestReceived += (m, _) => { lock (blocks) blocks.Add(m.Block1?.ToString() ?? "-"); };
        });
        string file = Path.Combine(Path.GetTempPath(), $"fobnail-coap-{Guid.NewGuid():N}.bin");
        byte[] data = Text(5500);
        await File.WriteAllBytesAsync(file, data);
        try
        {
            var client = await Command.RunAsync("coap-client-notls", ["-B", "10", "-m", "put", "-b", "1024", "-f", file,
                $"coap://127.0.0.1:{server.LocalEndPoint.Port}/api/v1/storage/fs/upload.bin"], new() { Timeout = TimeSpan.FromSeconds(20) });
            Assert.Equal(0, client.ExitCode);
            Assert.Equal(data, received);
            lock (blocks) Assert.Equal(["0/1/1024", "1/1/1024", "2/1/1024", "3/1/1024", "4/1/1024", "5/0/1024"], blocks);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task LibcoapClient_Block2Download()
    {
        byte[] data = Text(7000);
        await using var server = await StartOurServer(s =>
            s.Map("/big", _ => ValueTask.FromResult(new CoapServerResponse(CoapCode.Content, data).WithMaxAge(0)), CoapCode.Get));
        string output = Path.Combine(Path.GetTempPath(), $"fobnail-coap-{Guid.NewGuid():N}.out");
        try
        {
            var client = await Command.RunAsync("coap-client-notls", ["-B", "10", "-m", "get", "-o", output,
                $"coap://127.0.0.1:{server.LocalEndPoint.Port}/big"], new() { Timeout = TimeSpan.FromSeconds(20) });
            Assert.Equal(0, client.ExitCode);
            Assert.Equal(data, await File.ReadAllBytesAsync(output));
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public async Task LibcoapClient_PingIsAnsweredWithReset()
    {
        int pings = 0;
        await using var server = await StartOurServer(s =>
        {
            // The response claims an Observe registration (RFC 7641 §3.2), so coap-client keeps the session
            // open waiting for notifications that never come: an idle session.
            s.Map("/", _ => ValueTask.FromResult(new CoapServerResponse(CoapCode.Content, [0x41])
                .With(CoapOption.UInt(CoapOptionNumber.Observe, 1))));
            s.PingReceived += _ => Interlocked.Increment(ref pings);
        });
        // -s 3 observes for 3 s and -K 1 makes the client send a CoAP ping after 1 s of inactivity.
        var client = await Command.RunAsync("coap-client-notls", ["-v", "7", "-B", "4", "-K", "1", "-s", "3", "-m", "get",
            $"coap://127.0.0.1:{server.LocalEndPoint.Port}/"], new() { Timeout = TimeSpan.FromSeconds(20) });
        string output = client.Stdout + client.Stderr;
        Assert.True(pings >= 1, "coap-client sent no ping: " + output);
        Assert.Contains("t:RST", output);
    }
}
