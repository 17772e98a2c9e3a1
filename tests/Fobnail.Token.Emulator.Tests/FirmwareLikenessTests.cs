using System.Net;
using System.Net.Sockets;
using Fobnail.Coap;
using Fobnail.Protocol;
using Fobnail.Token.Emulator.Core;
using Fobnail.Token.Emulator.Network;

namespace Fobnail.Token.Emulator.Tests;

/// <summary>
/// Issue #10, "the emulator like the firmware": each behaviour of fobnail @ 7038cb3 (with coap-lite @ 1e19e5c and
/// trussed @ b4ec590) that the emulator now reproduces, with the firmware file and line it comes from.
/// </summary>
public class FirmwareLikenessTests
{
    private static TokenRequest Fs(TokenMethod m, string name, byte[]? payload = null) =>
        new(m, [.. TokenRequest.Path(FobnailPaths.Storage), name], m == TokenMethod.Put ? ContentFormats.OctetStream : null, [], payload ?? []);

    private static async Task<(EmulatorHarness H, TokenServer Server, UdpClient Udp)> StartAsync()
    {
        var h = new EmulatorHarness(realClock: true);
        var server = new TokenServer(h.Core, new IPEndPoint(IPAddress.Loopback, 0), h.Log);
        server.Start();
        await Task.Yield();
        return (h, server, new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)));
    }

    /// <summary>This socket as the token sees it (the client the harness provisions and attests directly on the core).</summary>
    private static IPEndPoint Me(UdpClient udp) => (IPEndPoint)udp.Client.LocalEndPoint!;

    private static async Task<CoapMessage?> ExchangeAsync(UdpClient udp, IPEndPoint server, CoapMessage m, double seconds = 3)
    {
        await udp.SendAsync(m.Encode(), server);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try { return CoapMessage.Decode((await udp.ReceiveAsync(cts.Token)).Buffer); }
        catch (OperationCanceledException) { return null; }
    }

    [Fact]
    public void Aik_file_name_collides_with_the_platforms_aik_500_204_202_500()
    {
        // fobnail src/server/fts/storage.rs:44/:79/:110: existence by trussed's recursive locate_file
        // (trussed src/store/filestore.rs), I/O by the top-level path; meta/<id>_aik is found for "aik".
        using var h = new EmulatorHarness();
        h.ProvisionPlatform();
        h.Attest();
        Assert.Equal(ResponseCode.InternalServerError, h.Send(Fs(TokenMethod.Get, "aik")).Code);
        Assert.Equal(ResponseCode.Changed, h.Send(Fs(TokenMethod.Put, "aik", [1, 2, 3])).Code);
        Assert.Equal(ResponseCode.Deleted, h.Send(Fs(TokenMethod.Delete, "aik")).Code);
        Assert.Equal(ResponseCode.InternalServerError, h.Send(Fs(TokenMethod.Delete, "aik")).Code);
        // Another name behaves normally: 4.04 / 2.01 / 2.02 / 2.02.
        Assert.Equal(ResponseCode.NotFound, h.Send(Fs(TokenMethod.Get, "key")).Code);
        Assert.Equal(ResponseCode.Created, h.Send(Fs(TokenMethod.Put, "key", [1])).Code);
        Assert.Equal(ResponseCode.Deleted, h.Send(Fs(TokenMethod.Delete, "key")).Code);
        Assert.Equal(ResponseCode.Deleted, h.Send(Fs(TokenMethod.Delete, "key")).Code);
    }

    [Fact]
    public async Task Block2_starts_at_1483_minus_tkl_payload_bytes_and_a_requested_block2_is_always_honoured()
    {
        // coap-lite src/block_handler/mod.rs:352-388: max_block_size = 1500 − (message without payload + 12);
        // no Block2 while the payload is smaller; a request carrying Block2 is answered block-wise.
        var (h, server, udp) = await StartAsync();
        await using (server)
        using (h)
        using (udp)
        {
            h.ProvisionPlatform(Me(udp));
            h.Attest(Me(udp));
            byte[] token = [1, 2, 3, 4];
            // 4-byte token, Max-Age 0 (1 byte): 1500 − 9 − 12 = 1479 = 1483 − TKL.
            Assert.Equal(ResponseCode.Created, h.Send(Fs(TokenMethod.Put, "big", new byte[1479]), Me(udp)).Code);
            Assert.Equal(ResponseCode.Created, h.Send(Fs(TokenMethod.Put, "small", new byte[100]), Me(udp)).Code);

            var get = new CoapMessage(CoapType.Confirmable, CoapCode.Get, 10, token);
            get.SetUriPath(FobnailPaths.StorageFile("big"));
            CoapMessage big = (await ExchangeAsync(udp, server.LocalEndPoint, get))!;
            Assert.Equal(new CoapBlockOption(0, true, 6), big.Block2);
            Assert.Equal(1024, big.Payload.Length);

            var small = new CoapMessage(CoapType.Confirmable, CoapCode.Get, 11, token);
            small.SetUriPath(FobnailPaths.StorageFile("small"));
            small.Block2 = new CoapBlockOption(0, false, 6);
            CoapMessage r = (await ExchangeAsync(udp, server.LocalEndPoint, small))!;
            Assert.Equal(new CoapBlockOption(0, false, 6), r.Block2);
            Assert.Equal(100, r.Payload.Length);
        }
    }

    [Fact]
    public async Task A_file_in_the_crash_window_sent_in_one_datagram_resets_the_token()
    {
        // A 1470-byte file with a 4-byte token: 1480 bytes of CoAP, more than the 1472 a 1514-byte frame carries
        // (fobnail pal/pal_nrf/src/net.rs:58) and below the Block2 threshold: the firmware panics. Imitated: no
        // answer, client state gone (its FTS access with it).
        var (h, server, udp) = await StartAsync();
        await using (server)
        using (h)
        using (udp)
        {
            IPEndPoint me = Me(udp);
            h.ProvisionPlatform(me);
            h.Attest(me);
            Assert.Equal(ResponseCode.Created, h.Send(Fs(TokenMethod.Put, "f", new byte[1470]), me).Code);
            var get = new CoapMessage(CoapType.Confirmable, CoapCode.Get, 12, [9, 9, 9, 9]);
            get.SetUriPath(FobnailPaths.StorageFile("f"));
            Assert.Null(await ExchangeAsync(udp, server.LocalEndPoint, get, 1.5));
            Assert.Contains(h.Sink.Lines, m => m.Contains("firmware crash imitated", StringComparison.Ordinal));
            Assert.False(h.Core.Clients.Contains(me));
            Assert.Equal(ResponseCode.NotFound, h.Send(Fs(TokenMethod.Get, "f"), me).Code);
        }
    }

    [Fact]
    public async Task A_block2_request_past_the_end_answers_400_with_coap_lites_text()
    {
        // coap-lite src/block_handler/mod.rs:251-257: HandlingError::bad_request("num=N, block_size=S").
        var (h, server, udp) = await StartAsync();
        await using (server)
        using (h)
        using (udp)
        {
            IPEndPoint me = Me(udp);
            h.ProvisionPlatform(me);
            h.Attest(me);
            h.Send(Fs(TokenMethod.Put, "f", new byte[3000]), me);
            var get = new CoapMessage(CoapType.Confirmable, CoapCode.Get, 20, [5]);
            get.SetUriPath(FobnailPaths.StorageFile("f"));
            Assert.True((await ExchangeAsync(udp, server.LocalEndPoint, get))!.Block2!.Value.More);
            var past = new CoapMessage(CoapType.Confirmable, CoapCode.Get, 21, [5]);
            past.SetUriPath(FobnailPaths.StorageFile("f"));
            past.Block2 = new CoapBlockOption(7, false, 6);
            CoapMessage r = (await ExchangeAsync(udp, server.LocalEndPoint, past))!;
            Assert.Equal(CoapCode.BadRequest, r.Code);
            Assert.Equal("num=7, block_size=1024", System.Text.Encoding.UTF8.GetString(r.Payload));
        }
    }

    [Fact]
    public async Task A_stray_confirmable_response_gets_no_reply_at_all()
    {
        // coap-server-rs hands only requests to the application and answers nothing else (no RST).
        var (h, server, udp) = await StartAsync();
        await using (server)
        using (h)
        using (udp)
        {
            var stray = new CoapMessage(CoapType.Confirmable, CoapCode.Content, 30, [1]) { Payload = [1] };
            Assert.Null(await ExchangeAsync(udp, server.LocalEndPoint, stray, 1));
            // The server still answers requests afterwards.
            var ping = CoapMessage.Empty(CoapType.Confirmable, 31);
            Assert.Equal(CoapType.Reset, (await ExchangeAsync(udp, server.LocalEndPoint, ping))!.Type);
        }
    }
}
