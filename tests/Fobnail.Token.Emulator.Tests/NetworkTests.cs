using System.Net;
using System.Text.RegularExpressions;
using Fobnail.Coap;
using Fobnail.Protocol;
using Fobnail.Token.Emulator.Network;

namespace Fobnail.Token.Emulator.Tests;

/// <summary>The emulator on real UDP sockets (loopback only): libcoap's coap-client-notls and Fobnail.Coap's client.</summary>
public class NetworkTests
{
    private static async Task<(EmulatorHarness H, TokenServer Server)> StartAsync(bool realClock = false)
    {
        var h = new EmulatorHarness(realClock: realClock);
        var server = new TokenServer(h.Core, new IPEndPoint(IPAddress.Loopback, 0), h.Log);
        server.Start();
        await Task.Yield();
        return (h, server);
    }

    private static (string Trace, byte[] Payload) CoapClientNotls(IPEndPoint server, string path)
    {
        string output = Path.GetTempFileName();
        try
        {
            var r = Command.Run("coap-client-notls", ["-v", "7", "-m", "get", "-o", output, $"coap://{server.Address}:{server.Port}{path}"]);
            Assert.Equal(0, r.ExitCode);
            return (r.Stderr + r.Stdout, File.ReadAllBytes(output));
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public async Task CoapClientNotls_Gets_Version_And_Nonce_With_The_Exact_Bytes_And_Options()
    {
        var (h, server) = await StartAsync();
        await using (server)
        using (h)
        {
            (string trace, byte[] payload) = CoapClientNotls(server.LocalEndPoint, "/api/version");
            Assert.Equal(Convert.FromHexString("A16876657273696F6E738101"), payload);
            // libcoap's trace of the received PDU: piggybacked ACK 2.05 whose only option is Max-Age 0.
            Assert.Matches(new Regex(@"t:ACK c:2\.05 i:[0-9a-f]+ \{[0-9a-f]*\} \[ Max-Age:0 \]"), trace);

            (trace, payload) = CoapClientNotls(server.LocalEndPoint, "/api/v1/nonce");
            Assert.Equal(32, payload.Length);
            Assert.Matches(new Regex(@"t:ACK c:2\.05 i:[0-9a-f]+ \{[0-9a-f]*\} \[ Max-Age:0 \]"), trace);
        }
    }

    [Fact]
    public async Task CoapClientNotls_Sees_The_TextPlain_Error_Of_An_Unknown_Path()
    {
        var (h, server) = await StartAsync();
        await using (server)
        using (h)
        {
            (string trace, byte[] payload) = CoapClientNotls(server.LocalEndPoint, "/api/v1");
            // libcoap prints error bodies instead of writing them to the -o file.
            Assert.Matches(new Regex(@"c:4\.04 i:[0-9a-f]+ \{[0-9a-f]*\} \[ Content-Format:text/plain \] :: 'Not found'"), trace);
            Assert.Empty(payload);
        }
    }

    [Fact]
    public async Task Full_Flow_Over_Udp_With_Block1_Uploads_Block2_Download_And_Ping()
    {
        var (h, server) = await StartAsync();
        await using (server)
        using (h)
        using (var client = new CoapClient(server.LocalEndPoint, new CoapClientOptions { RandomSeed = 5 }))
        {
            var a = h.Attester;
            Assert.True(await client.PingAsync());
            CoapMessage ek = await client.PostAsync(FobnailPaths.ProvisionEk, a.EkChain.Encode(), ContentFormats.Cbor);
            Assert.Equal(CoapCode.Created, ek.Code);
            Assert.True(a.EkChain.Encode().Length > 1024, "the EK chain must need Block1");
            uint ekId = uint.Parse(Assert.Single(ek.LocationPath));

            CoapMessage aik = await client.PostAsync(FobnailPaths.ProvisionAik, new AikRequest(a.AikTpm2bPublic, ekId).Encode(), ContentFormats.Cbor);
            Assert.Equal(CoapCode.Created, aik.Code);
            Assert.Equal(60u, aik.ContentFormat);
            byte[] secret = a.ActivateCredential(AikChallenge.Decode(aik.Payload));
            CoapMessage pc = await client.PostAsync(FobnailPaths.Provision,
                new ProvisionRequest(ekId, uint.Parse(Assert.Single(aik.LocationPath)), secret).Encode(), ContentFormats.Cbor);
            uint pcId = uint.Parse(Assert.Single(pc.LocationPath));

            async Task<byte[]> Nonce() => (await client.GetAsync(FobnailPaths.Nonce)).Payload;
            Assert.Equal(CoapCode.Created, (await client.PostAsync(FobnailPaths.ProvisionMeta(pcId), a.SignedObject(a.Metadata.Encode(), await Nonce()), ContentFormats.Cbor)).Code);
            byte[] rim = a.SignedObject(a.Rim().Encode(), await Nonce());
            Assert.True(rim.Length > 1024, "the signed RIM must need Block1");
            Assert.Equal(CoapCode.Created, (await client.PostAsync(FobnailPaths.ProvisionRim(pcId), rim, ContentFormats.Cbor)).Code);
            Assert.Equal(CoapCode.Changed, (await client.PostAsync(FobnailPaths.ProvisionCommit(pcId), [], null)).Code);

            CoapMessage attest = await client.PostAsync(FobnailPaths.Attest, a.SignedObject(a.Metadata.Encode(), await Nonce()), ContentFormats.Cbor);
            Assert.Equal(CoapCode.Created, attest.Code);
            Assert.Equal(0xBF, attest.Payload[0]);
            byte[] quoteNonce = QuoteRequest.Decode(attest.Payload).Nonce;
            byte[] q = a.QuoteAttest(quoteNonce);
            CoapMessage ok = await client.PostAsync(FobnailPaths.AttestContext(uint.Parse(Assert.Single(attest.LocationPath))),
                new SignedObject(q, a.Sign(q, [])).Encode(), ContentFormats.Cbor);
            Assert.Equal(CoapCode.Changed, ok.Code);

            byte[] file = Enumerable.Range(0, 5000).Select(i => (byte)(i * 31)).ToArray();
            Assert.Equal(CoapCode.Created, (await client.PutAsync(FobnailPaths.StorageFile("disk.key"), file, ContentFormats.OctetStream)).Code);
            CoapMessage get = await client.GetAsync(FobnailPaths.StorageFile("disk.key"));
            Assert.Equal(CoapCode.Content, get.Code);
            Assert.Equal(file, get.Payload);
            Assert.Equal(CoapCode.Deleted, (await client.DeleteAsync(FobnailPaths.StorageFile("disk.key"))).Code);
        }
    }

    [Fact]
    public async Task Oversize_Request_Without_Block1_Gets_413_With_A_Block1_Size_Hint()
    {
        var (h, server) = await StartAsync();
        await using (server)
        using (h)
        using (var udp = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        {
            var m = new CoapMessage(CoapType.Confirmable, CoapCode.Post, 77, [1, 2]);
            m.SetUriPath(FobnailPaths.ProvisionEk);
            m.ContentFormat = 60;
            m.Payload = new byte[1600];
            await udp.SendAsync(m.Encode(), server.LocalEndPoint);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var reply = CoapMessage.Decode((await udp.ReceiveAsync(cts.Token)).Buffer);
            Assert.Equal(CoapCode.RequestEntityTooLarge, reply.Code);
            Assert.Equal(6, reply.Block1!.Value.Szx);
        }
    }

    [Fact]
    public void FirmwareDifference_A_Client_Outside_LinkLocal_Would_Make_The_Token_Panic_On_Send()
    {
        var tokenAddress = IPAddress.Parse("169.254.0.1");
        Assert.True(TokenServer.WouldFirmwareFailToSend(tokenAddress, IPAddress.Parse("192.168.1.5")));
        Assert.False(TokenServer.WouldFirmwareFailToSend(tokenAddress, IPAddress.Parse("169.254.0.8")));
        Assert.False(TokenServer.WouldFirmwareFailToSend(IPAddress.Loopback, IPAddress.Loopback));
    }

    [Fact]
    public async Task Over_Udp_A_Pinging_Client_Survives_And_An_Idle_One_Is_Purged_By_The_1s_Tick()
    {
        var (h, server) = await StartAsync(realClock: true);
        await using (server)
        using (h)
        using (var pinging = new CoapClient(server.LocalEndPoint))
        using (var idle = new CoapClient(server.LocalEndPoint))
        {
            async Task<uint> StartPc(CoapClient c)
            {
                var a = h.Attester;
                CoapMessage ek = await c.PostAsync(FobnailPaths.ProvisionEk, a.EkChain.Encode(), ContentFormats.Cbor);
                uint ekId = uint.Parse(Assert.Single(ek.LocationPath));
                CoapMessage aik = await c.PostAsync(FobnailPaths.ProvisionAik, new AikRequest(a.AikTpm2bPublic, ekId).Encode(), ContentFormats.Cbor);
                byte[] secret = a.ActivateCredential(AikChallenge.Decode(aik.Payload));
                CoapMessage pc = await c.PostAsync(FobnailPaths.Provision,
                    new ProvisionRequest(ekId, uint.Parse(Assert.Single(aik.LocationPath)), secret).Encode(), ContentFormats.Cbor);
                return uint.Parse(Assert.Single(pc.LocationPath));
            }
            uint pc1 = await StartPc(pinging);
            uint pc2 = await StartPc(idle);
            Assert.Equal(2, h.Core.Clients.Count);
            // 3 s idle limit, 1 s tick: after 4.5 s only the pinging client is left.
            for (int i = 0; i < 9; i++)
            {
                await Task.Delay(500);
                Assert.True(await pinging.PingAsync());
            }
            Assert.Equal(1, h.Core.Clients.Count);
            Assert.Single(h.Sink.Lines, l => l.Contains("disconnect client"));
            byte[] meta = h.Attester.Metadata.Encode();
            CoapMessage ok = await pinging.PostAsync(FobnailPaths.ProvisionMeta(pc1),
                h.Attester.SignedObject(meta, (await pinging.GetAsync(FobnailPaths.Nonce)).Payload), ContentFormats.Cbor);
            Assert.Equal(CoapCode.Created, ok.Code);
            CoapMessage gone = await idle.PostAsync(FobnailPaths.ProvisionMeta(pc2),
                h.Attester.SignedObject(meta, (await idle.GetAsync(FobnailPaths.Nonce)).Payload), ContentFormats.Cbor);
            Assert.Equal(CoapCode.NotFound, gone.Code);
        }
    }

    [Theory]
    [InlineData(new byte[0], (ushort)0)]
    [InlineData(new byte[] { 60 }, (ushort)60)]
    [InlineData(new byte[] { 0, 60 }, (ushort)60)]
    [InlineData(new byte[] { 0x27, 0x0F }, null)]       // 9999: not a format coap-lite knows
    [InlineData(new byte[] { 0, 0, 60 }, null)]         // does not fit coap-lite's u16 option value
    public void Content_Format_Is_Read_Like_Coap_Lite(byte[] raw, ushort? expected)
    {
        Assert.Equal(expected, FirmwareContentFormat.Decode(raw));
        Assert.Null(FirmwareContentFormat.Decode(null));
    }

    [Fact]
    public async Task An_Unknown_Content_Format_Counts_As_Octet_Stream_Over_Udp()
    {
        var h = new EmulatorHarness(provisioned: false);
        var server = new TokenServer(h.Core, new IPEndPoint(IPAddress.Loopback, 0), h.Log);
        server.Start();
        await using (server)
        using (h)
        using (var client = new CoapClient(server.LocalEndPoint))
        {
            // provision_complete wants 42 or nothing: 9999 is "nothing" to coap-lite, so the certificate check runs (4.03).
            Assert.Equal(CoapCode.Forbidden, (await client.PostAsync(FobnailPaths.ProvisionComplete, [1, 2, 3], 9999)).Code);
            // 60 is a real mismatch: 4.00.
            Assert.Equal(CoapCode.BadRequest, (await client.PostAsync(FobnailPaths.ProvisionComplete, [1, 2, 3], 60)).Code);
        }
    }

    [Fact]
    public async Task Garbage_And_Mutated_Datagrams_Do_Not_Stop_The_Server()
    {
        var (h, server) = await StartAsync();
        await using (server)
        using (h)
        using (var udp = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        using (var client = new CoapClient(server.LocalEndPoint))
        {
            var r = new Random(7001);
            var valid = new CoapMessage(CoapType.Confirmable, CoapCode.Post, 1, [9, 9]);
            valid.SetUriPath(FobnailPaths.ProvisionEk);
            valid.ContentFormat = 60;
            valid.Payload = h.Attester.EkChain.Encode()[..900];
            byte[] template = valid.Encode();
            for (int i = 0; i < 3000; i++)
            {
                byte[] d;
                if (i % 2 == 0)
                {
                    d = new byte[r.Next(0, 64)];
                    r.NextBytes(d);
                }
                else
                {
                    d = (byte[])template.Clone();
                    for (int k = r.Next(1, 6); k > 0; k--) d[r.Next(d.Length)] = (byte)r.Next(256);
                }
                await udp.SendAsync(d, server.LocalEndPoint);
                if (i % 100 == 0) await Task.Delay(5);  // let the server drain its socket buffer
            }
            CoapMessage version = await client.GetAsync("/api/version");
            Assert.Equal(CoapCode.Content, version.Code);
            Assert.Equal(Convert.FromHexString("A16876657273696F6E738101"), version.Payload);
        }
    }

    [Fact]
    public async Task CoapClientNotls_Uploads_An_Ek_Chain_With_Block1_And_Gets_201_With_Location_Path()
    {
        var (h, server) = await StartAsync();
        await using (server)
        using (h)
        {
            string file = Path.GetTempFileName();
            try
            {
                byte[] chain = h.Attester.EkChain.Encode();
                Assert.True(chain.Length > 1024);
                File.WriteAllBytes(file, chain);
                var r = Command.Run("coap-client-notls", ["-v", "7", "-m", "post", "-t", "60", "-b", "1024", "-f", file,
                    $"coap://{server.LocalEndPoint.Address}:{server.LocalEndPoint.Port}{FobnailPaths.ProvisionEk}"]);
                string trace = r.Stdout + r.Stderr;
                Assert.Equal(0, r.ExitCode);
                // Every block but the last gets 2.31 Continue, echoing the block with Block1 M=0 as coap-lite does (and
                // libcoap carries on); the last gets 2.01 with the EK id and no Block1 echo (firmware).
                Assert.Matches(new Regex(@"c:2\.31 .*Block1:0/_/1024"), trace);
                Assert.Matches(new Regex(@"t:ACK c:2\.01 i:[0-9a-f]+ \{[0-9a-f]*\} \[ Location-Path:[0-9]+ \]"), trace);
            }
            finally
            {
                File.Delete(file);
            }
        }
    }
}
