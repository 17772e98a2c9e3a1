using Fobnail.Testing.Network;
using Fobnail.Attester.Flows;
using Fobnail.Attester.Platform;
using Fobnail.Tpm;
using Fobnail.Coap;
using Fobnail.Protocol;

namespace Fobnail.Attester.Tests.Flows;

/// <summary>
/// What the attester puts on the wire during provisioning, attestation and FTS, seen by a relay between it and
/// the emulator: the token's quirks (§3.2–§3.6, §10) respected on every datagram.
/// </summary>
[Collection(TpmCollection.Name)]
public class WireConformanceTests(TpmFixture tpm)
{
    [Fact]
    public async Task One_source_port_CON_only_no_Accept_Block1_szx6_datagrams_fit_and_never_two_outstanding()
    {
        await using TokenPeer token = TokenPeer.Start(tpm);
        using var relay = UdpRelay.Transparent(token.EndPoint);
        using ITpmTransport transport = tpm.Open();
        var settings = new AttesterSettings
        {
            Token = relay.EndPoint,
            Provision = true,
            EkChainDirectory = token.EkChainDir,
            Metadata = new MetadataOverrides([2, 0, 0, 0, 0, 9], "Fobnail", "Wire", "W1"),
        };
        await using (TokenAttester a = await TokenAttester.RunAsync(transport, settings))
        {
            Assert.True(a.Attestation.IsTrusted, a.Attestation.Summary);
            await Task.Delay(TimeSpan.FromSeconds(2.5));   // idle: keep-alive pings go out between requests
            byte[] file = new byte[5000];
            new Random(1).NextBytes(file);
            await a.Fts.PutAsync("wire", file);
            Assert.Equal(file, await a.Fts.GetAsync("wire"));
        }

        Assert.Single(relay.ClientEndPoints);   // one UDP socket for provisioning, attestation and FTS (§3.6)
        var datagrams = relay.Datagrams;
        var requests = datagrams.Where(d => d.FromClient).Select(d => CoapMessage.Decode(d.Datagram)).ToList();
        Assert.All(datagrams, d => Assert.True(d.Datagram.Length <= ProtocolLimits.MaxDatagramToToken, $"{d.Datagram.Length}-byte datagram"));
        Assert.All(requests, m => Assert.Equal(CoapType.Confirmable, m.Type));
        Assert.All(requests, m => Assert.False(m.HasOption(CoapOptionNumber.Accept), $"Accept sent in {m}"));
        List<CoapBlockOption> block1 = requests.Where(m => m.Block1 is not null).Select(m => m.Block1!.Value).ToList();
        Assert.NotEmpty(block1);   // the EK chain, the RIM and the 5000-byte file do not fit one datagram
        Assert.All(block1, b => Assert.Equal(6, b.Szx));

        // Never two outstanding: after a client CON, the next client CON with another MID comes only after an
        // answer (ACK or RST) carrying the first one's MID.
        ushort? outstanding = null;
        foreach (var (fromClient, bytes) in datagrams)
        {
            CoapMessage m = CoapMessage.Decode(bytes);
            if (fromClient)
            {
                Assert.True(outstanding is null || outstanding == m.MessageId, $"MID {m.MessageId} sent while {outstanding} was outstanding");
                outstanding = m.MessageId;
            }
            else if (m.MessageId == outstanding)
            {
                outstanding = null;
            }
        }
        Assert.Contains(requests, m => m.Code.IsEmpty);   // keep-alive pings were sent too
    }
}
