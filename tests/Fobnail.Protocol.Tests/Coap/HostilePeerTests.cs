using Fobnail.Coap;
using Fobnail.Protocol.Tests.Support;

namespace Fobnail.Protocol.Tests.Coap;

/// <summary>
/// A bad token must never crash PID 1: against a peer that answers with random and mutated datagrams (often
/// carrying the right Message ID and token), every client call ends with a response or a CoapException, never
/// anything else and never a hang. And the server survives random datagrams.
/// </summary>
public class HostilePeerTests
{
    private const int Requests = 400;

    private static byte[] Answer(Random rng, CoapMessage request)
    {
        // Start from a plausible piggybacked response, then damage it.
        var ack = new CoapMessage(CoapType.Acknowledgement, new CoapCode((byte)rng.Next(256)), request.MessageId, request.Token)
        {
            Payload = Fuzz.RandomBytes(rng, 40),
        };
        int options = rng.Next(4);
        for (int i = 0; i < options; i++)
        {
            ushort number = new ushort[] { 8, 12, 14, 23, 27, 28, 60, 17, (ushort)rng.Next(65536) }[rng.Next(9)];
            ack.AddOption(new CoapOption(number, Fuzz.RandomBytes(rng, 5)));
        }
        if (ack.Code.IsEmpty) ack = CoapMessage.Empty((CoapType)rng.Next(4), request.MessageId);
        byte[] bytes = ack.Encode();
        return rng.Next(3) == 0 ? Fuzz.Mutate(rng, bytes) : bytes;
    }

    [Fact]
    public async Task ClientSurvivesGarbageResponses()
    {
        var rng = new Random(77);
        using var peer = ScriptedPeer.Raw(request => Enumerable.Range(0, rng.Next(1, 4)).Select(_ => Answer(rng, request)).ToArray());
        using var client = new CoapClient(peer.EndPoint, new CoapClientOptions
        {
            AckTimeout = TimeSpan.FromMilliseconds(20),
            MaxRetransmit = 1,
            SeparateResponseTimeout = TimeSpan.FromMilliseconds(100),
            MaxResponseBodySize = 16 * 1024,
            RandomSeed = 5,
        });
        int responses = 0, coapErrors = 0;
        var run = Task.Run(async () =>
        {
            for (int i = 0; i < Requests; i++)
            {
                var request = new CoapRequest(i % 3 == 0 ? CoapCode.Post : CoapCode.Get, "/api/v1/attest")
                {
                    Payload = i % 3 == 0 ? new byte[i % 2500] : [],
                    ContentFormat = 60,
                };
                try
                {
                    var r = await client.SendAsync(request);
                    _ = r.ContentFormat; _ = r.Block2; _ = r.Size2; _ = r.LocationPath; // must not throw after SendAsync
                    responses++;
                }
                catch (CoapException)
                {
                    coapErrors++;
                }
            }
        });
        Assert.True(await Task.WhenAny(run, Task.Delay(TimeSpan.FromMinutes(3))) == run, "client hung");
        await run; // rethrows anything that is not a CoapException
        Assert.True(responses > 0 && coapErrors > 0, $"{responses} responses, {coapErrors} errors");
    }

    [Fact]
    public async Task ServerSurvivesRandomDatagrams()
    {
        await using var server = new CoapServer(Loopback.Any);
        server.Map("/x", ctx => ValueTask.FromResult(new CoapServerResponse(CoapCode.Content, new byte[3000])));
        server.Start();
        var rng = new Random(78);
        using var raw = new System.Net.Sockets.UdpClient(Loopback.Any);
        var valid = new CoapMessage(CoapType.Confirmable, CoapCode.Get, 1, [1]).SetUriPath("/x");
        valid.Block2 = new CoapBlockOption(1, false, 6);
        byte[] seed = valid.Encode();
        for (int i = 0; i < 20_000; i++)
            await raw.SendAsync(i % 2 == 0 ? Fuzz.RandomBytes(rng, 60) : Fuzz.Mutate(rng, seed), server.LocalEndPoint);

        using var client = new CoapClient(server.LocalEndPoint, new CoapClientOptions { AckTimeout = TimeSpan.FromSeconds(1) });
        var response = await client.GetAsync("/x");
        Assert.Equal(CoapCode.Content, response.Code);
        Assert.Equal(3000, response.Payload.Length);
    }
}
