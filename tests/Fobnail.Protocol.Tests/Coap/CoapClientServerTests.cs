using System.Collections.Concurrent;
using System.Text;
using Fobnail.Coap;
using Fobnail.Protocol.Tests.Support;

namespace Fobnail.Protocol.Tests.Coap;

/// <summary>Our client against our server on loopback, and against scripted peers for RST/duplicates/timeouts.</summary>
public class CoapClientServerTests
{
    private static readonly CoapClientOptions Fast = new() { AckTimeout = TimeSpan.FromMilliseconds(200), MaxRetransmit = 3, RandomSeed = 1 };

    private static byte[] Body(int n, int seed = 0) => Enumerable.Range(0, n).Select(i => (byte)(i * 31 + seed)).ToArray();

    private static CoapServer NewServer(CoapServerOptions? options = null)
    {
        var server = new CoapServer(Loopback.Any, options);
        server.Start();
        return server;
    }

    [Fact]
    public async Task RoutingLongestPrefixLeftoverAndErrors()
    {
        await using var server = NewServer();
        server.Map("/api/v1/admin/provision", ctx => ValueTask.FromResult(
            new CoapServerResponse(CoapCode.Created, Encoding.UTF8.GetBytes("prov:" + string.Join(",", ctx.Leftover)))), CoapCode.Post);
        server.Map("/api/v1/admin/provision/ek", ctx => ValueTask.FromResult(
            new CoapServerResponse(CoapCode.Created).WithLocationPath("3735928559")), CoapCode.Post);
        server.Map("/api/version", _ => ValueTask.FromResult(new CoapServerResponse(CoapCode.Content, [0xA0]).WithMaxAge(0)), CoapCode.Get);
        using var client = new CoapClient(server.LocalEndPoint, Fast);

        var ek = await client.PostAsync("/api/v1/admin/provision/ek", [0xA0], 60);
        Assert.Equal(CoapCode.Created, ek.Code);
        Assert.Equal(["3735928559"], ek.LocationPath);

        var meta = await client.PostAsync("/api/v1/admin/provision/42/meta", [0xA0], 60);
        Assert.Equal("prov:42,meta", Encoding.UTF8.GetString(meta.Payload));

        var version = await client.GetAsync("/api/version");
        Assert.Equal(CoapCode.Content, version.Code);
        Assert.Equal(0u, version.MaxAge);
        Assert.Empty(version.GetOption(CoapOptionNumber.MaxAge)!.Value.Value);

        var notAllowed = await client.DeleteAsync("/api/version");
        Assert.Equal(CoapCode.MethodNotAllowed, notAllowed.Code);
        Assert.Equal(0u, notAllowed.ContentFormat);
        Assert.Equal("Method not allowed", Encoding.UTF8.GetString(notAllowed.Payload));

        var missing = await client.GetAsync("/nope");
        Assert.Equal(CoapCode.NotFound, missing.Code);
        Assert.Equal("Not found", Encoding.UTF8.GetString(missing.Payload));
    }

    [Fact]
    public async Task Block1UploadIsReassembledWithContinue()
    {
        await using var server = NewServer();
        byte[]? received = null;
        var codes = new ConcurrentQueue<string>();
        server.RequestReceived += (m, _) => codes.Enqueue(m.Block1?.ToString() ?? "none");
        server.Map("/api/v1/admin/provision/ek", ctx =>
        {
            received = ctx.Payload;
            return ValueTask.FromResult(new CoapServerResponse(CoapCode.Created).WithLocationPath("7"));
        });
        using var client = new CoapClient(server.LocalEndPoint, Fast);
        byte[] body = Body(4600);

        var response = await client.PostAsync("/api/v1/admin/provision/ek", body, 60);

        Assert.Equal(CoapCode.Created, response.Code);
        Assert.Null(response.Block1); // firmware-like: no Block1 echo on the final response
        Assert.Equal(body, received);
        Assert.Equal(["0/1/1024", "1/1/1024", "2/1/1024", "3/1/1024", "4/0/1024"], codes);
    }

    [Fact]
    public async Task Block1RestartsWith413SizeHint()
    {
        // A server that takes only 600-byte datagrams and prefers 512-byte blocks: the client's 1024-byte blocks
        // get 4.13 + Block1 SZX 5, and the upload restarts with 512-byte blocks.
        await using var server = NewServer(new CoapServerOptions { MaxMessageSize = 600, PreferredSzx = 5 });
        byte[]? received = null;
        server.Map("/up", ctx => { received = ctx.Payload; return ValueTask.FromResult(new CoapServerResponse(CoapCode.Changed)); });
        using var client = new CoapClient(server.LocalEndPoint, Fast);

        byte[] small = Body(900, 1); // one message (≤ 1024) that is still too large for this server
        Assert.Equal(CoapCode.Changed, (await client.PutAsync("/up", small, 42)).Code);
        Assert.Equal(small, received);

        byte[] large = Body(3000, 2);
        Assert.Equal(CoapCode.Changed, (await client.PutAsync("/up", large, 42)).Code);
        Assert.Equal(large, received);
    }

    [Fact]
    public async Task Block2DownloadWithFirmwareTokenQuirk()
    {
        await using var server = NewServer(new CoapServerOptions { Block2ReuseFirstToken = true });
        byte[] file = Body(5500, 3);
        int calls = 0;
        server.Map("/api/v1/storage/fs", ctx =>
        {
            Interlocked.Increment(ref calls);
            return ValueTask.FromResult(new CoapServerResponse(CoapCode.Content, file).WithMaxAge(0));
        });
        using var client = new CoapClient(server.LocalEndPoint, Fast);

        var response = await client.GetAsync("/api/v1/storage/fs/secret");

        Assert.Equal(CoapCode.Content, response.Code);
        Assert.Equal(file, response.Payload);
        Assert.Equal(1, calls); // blocks 1..5 come from the cache
        Assert.Null(response.Block2);
    }

    [Fact]
    public async Task PingIsAnsweredWithResetAndHookFires()
    {
        await using var server = NewServer();
        int pings = 0;
        server.PingReceived += _ => Interlocked.Increment(ref pings);
        using var client = new CoapClient(server.LocalEndPoint, Fast);
        Assert.True(await client.PingAsync());
        Assert.Equal(1, pings);
    }

    [Fact]
    public async Task KeepAlivePingsWhileIdle()
    {
        await using var server = NewServer();
        int pings = 0;
        server.PingReceived += _ => Interlocked.Increment(ref pings);
        using var client = new CoapClient(server.LocalEndPoint, new CoapClientOptions { KeepAlivePeriod = TimeSpan.FromMilliseconds(100) });
        client.StartKeepAlive();
        await Task.Delay(1000);
        await client.StopKeepAliveAsync();
        int seen = pings;
        Assert.InRange(seen, 3, 11);
        Assert.Equal(0, client.KeepAliveFailures);
        await Task.Delay(300);
        Assert.Equal(seen, pings); // stopped means stopped
    }

    [Fact]
    public async Task NonRequestGetsNonResponse()
    {
        await using var server = NewServer();
        server.Map("/n", _ => ValueTask.FromResult(new CoapServerResponse(CoapCode.Content, [1, 2, 3])));
        using var client = new CoapClient(server.LocalEndPoint, Fast);
        var response = await client.SendAsync(new CoapRequest(CoapCode.Get, "/n") { Confirmable = false });
        Assert.Equal(CoapType.NonConfirmable, response.Type);
        Assert.Equal([1, 2, 3], response.Payload);
    }

    [Fact]
    public async Task ServerIgnoresMalformedAndEmptyNonAndKeepsServing()
    {
        await using var server = NewServer();
        server.Map("/x", _ => ValueTask.FromResult(new CoapServerResponse(CoapCode.Content, [9])));
        using var raw = new System.Net.Sockets.UdpClient(Loopback.Any);
        await raw.SendAsync(Hex.Parse("49010001"), server.LocalEndPoint);       // TKL 9: format error
        await raw.SendAsync(Hex.Parse("50000001"), server.LocalEndPoint);       // Empty NON
        await raw.SendAsync(Hex.Parse("40010002FF"), server.LocalEndPoint);     // marker without payload
        await raw.SendAsync(new CoapMessage(CoapType.Confirmable, CoapCode.Get, 3).SetUriPath("/x").Encode(), server.LocalEndPoint);
        var answer = CoapMessage.Decode((await raw.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(5))).Buffer);
        Assert.Equal(3, answer.MessageId); // the first and only answer is to the valid request
        Assert.Equal(CoapType.Acknowledgement, answer.Type);
    }

    [Fact]
    public async Task RetransmitsThenTimesOut()
    {
        using var silent = new ScriptedPeer(_ => []);
        using var client = new CoapClient(silent.EndPoint, new CoapClientOptions { AckTimeout = TimeSpan.FromMilliseconds(50), MaxRetransmit = 3 });
        await Assert.ThrowsAsync<CoapTimeoutException>(() => client.GetAsync("/x"));
        await Task.Delay(100);
        lock (silent.Received)
        {
            Assert.Equal(4, silent.Received.Count); // 1 + MAX_RETRANSMIT
            Assert.Single(silent.Received.Select(m => m.MessageId).Distinct()); // retransmissions keep the MID
        }
    }

    [Fact]
    public async Task ResetFailsTheRequest()
    {
        using var peer = new ScriptedPeer(m => [CoapMessage.Empty(CoapType.Reset, m.MessageId)]);
        using var client = new CoapClient(peer.EndPoint, Fast);
        await Assert.ThrowsAsync<CoapResetException>(() => client.GetAsync("/x"));
    }

    [Fact]
    public async Task DuplicateAndStaleResponsesAreIgnored()
    {
        // Each request is answered twice (as a server without dedup answering a retransmission would), and the
        // second request is first answered by a stale ACK carrying the previous MID.
        CoapMessage? previous = null;
        using var peer = new ScriptedPeer(m =>
        {
            var ack = new CoapMessage(CoapType.Acknowledgement, CoapCode.Content, m.MessageId, m.Token) { Payload = [(byte)m.MessageId] };
            var answers = new List<CoapMessage>();
            if (previous is not null) answers.Add(previous);
            answers.Add(ack);
            answers.Add(ack);
            previous = ack;
            return answers;
        });
        using var client = new CoapClient(peer.EndPoint, Fast);
        var first = await client.GetAsync("/a");
        var second = await client.GetAsync("/b");
        var third = await client.GetAsync("/c");
        Assert.Equal((byte)(first.MessageId + 1), second.Payload[0]);
        Assert.Equal((byte)(first.MessageId + 2), third.Payload[0]);
    }

    [Fact]
    public async Task SeparateResponseIsAcknowledged()
    {
        // Empty ACK first, then a CON 2.05 with our token (sent twice: the duplicate must be ACKed again).
        using var peer = new ScriptedPeer(m => m.Code.IsRequest
            ? [CoapMessage.Empty(CoapType.Acknowledgement, m.MessageId),
               new CoapMessage(CoapType.Confirmable, CoapCode.Content, 0x4444, m.Token) { Payload = [7] },
               new CoapMessage(CoapType.Confirmable, CoapCode.Content, 0x4444, m.Token) { Payload = [7] }]
            : []);
        using var client = new CoapClient(peer.EndPoint, Fast);
        var response = await client.GetAsync("/slow");
        Assert.Equal([7], response.Payload);
        Assert.True(await client.PingAsync() is false); // the scripted peer does not answer pings; meanwhile the duplicate arrives
        await Task.Delay(100);
        lock (peer.Received)
            Assert.Equal(2, peer.Received.Count(m => m.Type == CoapType.Acknowledgement && m.MessageId == 0x4444));
    }

    [Fact]
    public async Task OnlyOneOutstandingRequest()
    {
        // The peer answers a request only when it arrives the second time (a retransmission). Two requests
        // started together must go out strictly one after the other: A, A, B, B, never interleaved.
        var seenMids = new HashSet<ushort>();
        using var peer = new ScriptedPeer(m =>
            seenMids.Add(m.MessageId) ? [] : [new CoapMessage(CoapType.Acknowledgement, CoapCode.Content, m.MessageId, m.Token)]);
        using var client = new CoapClient(peer.EndPoint, new CoapClientOptions { AckTimeout = TimeSpan.FromMilliseconds(300), RandomSeed = 3 });
        // Had the second request gone out while the first was unanswered, the peer would have seen a, b, ...
        await Task.WhenAll(client.GetAsync("/a"), client.GetAsync("/b"));
        lock (peer.Received)
        {
            var order = peer.Received.Select(m => m.UriPath[0]).ToArray();
            Assert.True(order.SequenceEqual(["a", "a", "b", "b"]) || order.SequenceEqual(["b", "b", "a", "a"]), string.Join(",", order));
        }
    }

    [Fact]
    public async Task OversizeRequestGets413WithBlock1Hint()
    {
        await using var server = NewServer();
        server.Map("/x", _ => ValueTask.FromResult(new CoapServerResponse(CoapCode.Changed)));
        using var raw = new System.Net.Sockets.UdpClient(Loopback.Any);
        var big = new CoapMessage(CoapType.Confirmable, CoapCode.Put, 5, [1]) { Payload = new byte[1600] }.SetUriPath("/x");
        await raw.SendAsync(big.Encode(), server.LocalEndPoint);
        var answer = CoapMessage.Decode((await raw.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(5))).Buffer);
        Assert.Equal(CoapCode.RequestEntityTooLarge, answer.Code);
        Assert.Equal(new CoapBlockOption(0, false, 6), answer.Block1);
    }

    [Fact]
    public async Task Block1GapGets408()
    {
        await using var server = NewServer();
        server.Map("/x", _ => ValueTask.FromResult(new CoapServerResponse(CoapCode.Changed)));
        using var raw = new System.Net.Sockets.UdpClient(Loopback.Any);
        var block = new CoapMessage(CoapType.Confirmable, CoapCode.Put, 6, [1]) { Payload = new byte[1024] }.SetUriPath("/x");
        block.Block1 = new CoapBlockOption(2, true, 6);
        await raw.SendAsync(block.Encode(), server.LocalEndPoint);
        var answer = CoapMessage.Decode((await raw.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(5))).Buffer);
        Assert.Equal(CoapCode.RequestEntityIncomplete, answer.Code);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Block2FollowUpsComeFromTheCacheWithOptionalFirstTokenQuirk(bool quirk)
    {
        await using var server = NewServer(new CoapServerOptions { Block2ReuseFirstToken = quirk });
        int calls = 0;
        byte[] body = Body(2500, 9);
        server.Map("/f", _ =>
        {
            Interlocked.Increment(ref calls);
            return ValueTask.FromResult(new CoapServerResponse(CoapCode.Content, body));
        });
        using var raw = new System.Net.Sockets.UdpClient(Loopback.Any);
        async Task<CoapMessage> Send(ushort mid, byte token, uint? block)
        {
            var m = new CoapMessage(CoapType.Confirmable, CoapCode.Get, mid, [token]).SetUriPath("/f");
            if (block is { } n) m.Block2 = new CoapBlockOption(n, false, 6);
            await raw.SendAsync(m.Encode(), server.LocalEndPoint);
            return CoapMessage.Decode((await raw.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(5))).Buffer);
        }

        var b0 = await Send(1, 0xA1, null);
        Assert.Equal(new CoapBlockOption(0, true, 6), b0.Block2);
        Assert.Equal(body.AsSpan(0, 1024).ToArray(), b0.Payload);

        var b1 = await Send(2, 0xB2, 1);
        Assert.Equal(new CoapBlockOption(1, true, 6), b1.Block2);
        Assert.Equal(2, b1.MessageId);
        Assert.Equal(quirk ? [0xA1] : [0xB2], b1.Token);

        // A different logical request on the same path that carries Block2 is served from the same cache.
        var b2 = await Send(3, 0xC3, 2);
        Assert.Equal(new CoapBlockOption(2, false, 6), b2.Block2);
        Assert.Equal(body.AsSpan(2048).ToArray(), b2.Payload);
        Assert.Equal(1, calls);
    }
}
