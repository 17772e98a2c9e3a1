using System.Collections.Concurrent;
using Fobnail.Coap;
using Fobnail.Protocol.Tests.Support;
using Fobnail.Testing.Network;

namespace Fobnail.Protocol.Tests.Coap;

/// <summary>
/// Client ↔ server through a relay that loses datagrams. Retransmission completes every exchange; and because
/// the server (like the token) has no de-duplication, a request whose ACK was lost is executed twice.
/// </summary>
public class LossyLinkTests
{
    private static readonly CoapClientOptions Options = new()
    {
        AckTimeout = TimeSpan.FromMilliseconds(100),
        MaxRetransmit = 6,
        RandomSeed = 7,
    };

    private static async Task<(int Requests, int DuplicateMids, int Dropped)> RunSession(Func<CoapServer, UdpRelay> makeRelay)
    {
        await using var server = new CoapServer(Loopback.Any);
        var seen = new ConcurrentDictionary<ushort, int>();
        server.RequestReceived += (m, _) => seen.AddOrUpdate(m.MessageId, 1, (_, n) => n + 1);
        byte[] stored = [];
        int handled = 0;
        server.Map("/file", ctx =>
        {
            Interlocked.Increment(ref handled);
            if (ctx.Method == CoapCode.Put) stored = ctx.Payload;
            return ValueTask.FromResult(ctx.Method == CoapCode.Put
                ? new CoapServerResponse(CoapCode.Changed)
                : new CoapServerResponse(CoapCode.Content, stored));
        });
        server.Start();
        using var relay = makeRelay(server);
        using var client = new CoapClient(relay.EndPoint, Options);

        for (int round = 0; round < 5; round++)
        {
            byte[] file = Enumerable.Range(0, 3000 + round * 500).Select(i => (byte)(i ^ round)).ToArray();
            Assert.Equal(CoapCode.Changed, (await client.PutAsync("/file", file, 42)).Code);
            var back = await client.GetAsync("/file");
            Assert.Equal(CoapCode.Content, back.Code);
            Assert.Equal(file, back.Payload);
            Assert.True(await client.PingAsync());
        }
        return (handled, seen.Count(kv => kv.Value > 1), relay.Dropped);
    }

    [Fact]
    public async Task EveryThirdDatagramDropped()
    {
        var (requests, duplicates, dropped) = await RunSession(s => UdpRelay.EveryNth(s.LocalEndPoint, 3));
        Assert.True(dropped > 10, $"only {dropped} drops");
        // Some ACKs were lost, so the server saw those requests (same Message ID) more than once: no dedup.
        Assert.True(duplicates > 0, "the server must see retransmitted duplicates");
        Assert.True(requests >= 10);
    }

    [Fact]
    public async Task SeededRandomTwentyPercentDropped()
    {
        var (_, duplicates, dropped) = await RunSession(s => UdpRelay.RandomFraction(s.LocalEndPoint, 0.2, seed: 2024));
        Assert.True(dropped > 5, $"only {dropped} drops");
        Assert.True(duplicates > 0, "the server must see retransmitted duplicates");
    }
}
