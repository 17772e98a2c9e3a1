using Fobnail.Coap;
using Fobnail.Linux;
using Fobnail.Protocol.Tests.Support;

namespace Fobnail.Protocol.Tests.Coap;

/// <summary>
/// Issue #16 item 4: responses are matched as RFC 7252 §5.3.2 says (Message ID AND token AND endpoint), a Block2
/// transfer whose response code changes between blocks is refused, and Message IDs and tokens come from
/// getrandom(2).
/// </summary>
public class ResponseMatchingTests
{
    private static readonly CoapClientOptions Fast = new() { AckTimeout = TimeSpan.FromMilliseconds(200), MaxRetransmit = 2, RandomSeed = 1 };

    [Fact]
    public async Task Piggybacked_ack_with_the_right_message_id_but_another_token_is_not_the_response()
    {
        // An injected ACK with our MID but a foreign token comes first; the real answer follows.
        using var peer = new ScriptedPeer(m =>
        [
            new CoapMessage(CoapType.Acknowledgement, CoapCode.Content, m.MessageId, [0xEE, 0xEE]) { Payload = [1] },
            new CoapMessage(CoapType.Acknowledgement, CoapCode.Content, m.MessageId, m.Token) { Payload = [2] },
        ]);
        using var client = new CoapClient(peer.EndPoint, Fast);
        Assert.Equal([2], (await client.GetAsync("/x")).Payload);
    }

    [Fact]
    public async Task Only_foreign_token_acks_time_out()
    {
        using var peer = new ScriptedPeer(m => [new CoapMessage(CoapType.Acknowledgement, CoapCode.Content, m.MessageId, [0xEE]) { Payload = [1] }]);
        using var client = new CoapClient(peer.EndPoint, Fast);
        await Assert.ThrowsAsync<CoapTimeoutException>(() => client.GetAsync("/x"));
    }

    [Fact]
    public async Task Ack_from_another_endpoint_is_not_the_response()
    {
        // A second socket answers with the right MID and token before the peer does: not the endpoint we asked.
        using var intruder = new System.Net.Sockets.UdpClient(Loopback.Any);
        CoapClient? client = null;
        using var peer = new ScriptedPeer(m =>
        {
            intruder.Send(new CoapMessage(CoapType.Acknowledgement, CoapCode.Content, m.MessageId, m.Token) { Payload = [1] }.Encode(), client!.LocalEndPoint);
            Thread.Sleep(50);
            return [new CoapMessage(CoapType.Acknowledgement, CoapCode.Content, m.MessageId, m.Token) { Payload = [2] }];
        });
        client = new CoapClient(peer.EndPoint, Fast);
        using (client)
            Assert.Equal([2], (await client.GetAsync("/x")).Payload);
    }

    [Fact]
    public async Task Block2_response_code_change_between_blocks_is_refused()
    {
        // Block 0 says 2.05 Content, block 1 says 2.04 Changed: not two slices of one representation.
        using var peer = new ScriptedPeer(m =>
        {
            uint num = m.Block2?.Num ?? 0;
            var code = num == 0 ? CoapCode.Content : CoapCode.Changed;
            var ack = new CoapMessage(CoapType.Acknowledgement, code, m.MessageId, m.Token) { Payload = new byte[16] };
            ack.Block2 = new CoapBlockOption(num, num < 2, 0);
            return [ack];
        });
        using var client = new CoapClient(peer.EndPoint, Fast);
        var e = await Assert.ThrowsAsync<CoapException>(() => client.GetAsync("/x"));
        Assert.Contains("after block 0 answered 2.05", e.Message);
    }

    [Fact]
    public async Task Block2_with_the_same_code_in_every_block_is_joined()
    {
        using var peer = new ScriptedPeer(m =>
        {
            uint num = m.Block2?.Num ?? 0;
            var ack = new CoapMessage(CoapType.Acknowledgement, CoapCode.Content, m.MessageId, m.Token) { Payload = Enumerable.Repeat((byte)num, 16).ToArray() };
            ack.Block2 = new CoapBlockOption(num, num < 2, 0);
            return [ack];
        });
        using var client = new CoapClient(peer.EndPoint, Fast);
        var r = await client.GetAsync("/x");
        Assert.Equal(48, r.Payload.Length);
        Assert.Equal(2, r.Payload[47]);
    }

    [Fact]
    public async Task Unseeded_message_ids_and_tokens_differ_between_clients()
    {
        // Production clients (no RandomSeed) draw their first Message ID and every token from getrandom(2).
        var seen = new List<CoapMessage>();
        using var peer = new ScriptedPeer(m =>
        {
            lock (seen) seen.Add(m);
            return [new CoapMessage(CoapType.Acknowledgement, CoapCode.Content, m.MessageId, m.Token)];
        });
        for (int i = 0; i < 8; i++)
        {
            using var client = new CoapClient(peer.EndPoint, new CoapClientOptions { AckTimeout = TimeSpan.FromMilliseconds(200) });
            await client.GetAsync("/x");
        }
        Assert.True(seen.Select(m => m.MessageId).Distinct().Count() >= 7);
        Assert.Equal(8, seen.Select(m => Convert.ToHexString(m.Token)).Distinct().Count());
        Assert.All(seen, m => Assert.Equal(4, m.Token.Length));
    }

    [Fact]
    public void Getrandom_fills_every_byte()
    {
        // 4096 bytes from the kernel: every byte value shows up (a zeroed or constant buffer would not).
        byte[] bytes = KernelRandom.Bytes(4096);
        Assert.True(bytes.Distinct().Count() > 200);
        Assert.NotEqual(KernelRandom.Bytes(16), KernelRandom.Bytes(16));
    }
}
