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

    [Fact]
    public void Cbor_is_read_as_cbor_smol_reads_it_trailing_bytes_and_a_last_unknown_key_ignored()
    {
        // cbor-smol 0.4 src/de.rs:11-18: from_bytes never checks for trailing data. src/de.rs:700-706:
        // deserialize_ignored_any visits none without reading the value, so an unknown key works only as the last
        // entry of the top-level map (its value is never looked at, even a reserved byte); elsewhere the unread
        // value is taken for the next key and decoding fails.
        using var h = new EmulatorHarness();
        byte[] chain = h.Attester.EkChain.Encode();   // A1 65 "certs" [ ... ]
        Assert.Equal(0xA1, chain[0]);
        byte[] unknownX = [0x61, (byte)'x'];

        Assert.Equal(ResponseCode.Created, h.Post(FobnailPaths.ProvisionEk, [.. chain, 0xFF, 0x1C, 0x00]).Code);
        byte[] unknownLast = [0xA2, .. chain.AsSpan(1), .. unknownX, 0x1C];
        Assert.Equal(ResponseCode.Created, h.Post(FobnailPaths.ProvisionEk, unknownLast).Code);
        byte[] unknownFirst = [0xA2, .. unknownX, 0x01, .. chain.AsSpan(1)];
        TokenResponse r = h.Post(FobnailPaths.ProvisionEk, unknownFirst);
        Assert.Equal(ResponseCode.BadRequest, r.Code);
        Assert.Equal("CBOR decode failed", System.Text.Encoding.ASCII.GetString(r.Payload));
        // Still strict where cbor-smol is: a non-minimal length is refused.
        byte[] nonMinimal = [0xB8, 0x01, .. chain.AsSpan(1)];
        Assert.Equal(ResponseCode.BadRequest, h.Post(FobnailPaths.ProvisionEk, nonMinimal).Code);
    }

    [Fact]
    public void Rsa_signature_length_is_not_checked_like_rsa_0_5()
    {
        // rsa 0.5 src/pkcs1v15.rs:97-127 with src/raw.rs:26-41: the signature is any big-endian number, taken
        // mod n; fobnail src/util/signing.rs verifies signed objects with it.
        using var h = new EmulatorHarness();
        uint pc = h.StartProvisioning();
        byte[] meta = h.Attester.Metadata.Encode();
        var n = ((Org.BouncyCastle.Crypto.Parameters.RsaKeyParameters)h.Attester.AikKey.Public).Modulus;

        byte[] nonce = h.Nonce();
        byte[] sig = h.Attester.Sign(meta, nonce);
        byte[] leadingZero = [0x00, .. sig];
        Assert.Equal(ResponseCode.Created, h.Post(FobnailPaths.ProvisionMeta(pc), new SignedObject(meta, leadingZero).Encode()).Code);

        nonce = h.Nonce();
        sig = h.Attester.Sign(meta, nonce);
        byte[] plusModulus = new Org.BouncyCastle.Math.BigInteger(1, sig).Add(n).ToByteArrayUnsigned();
        Assert.True(plusModulus.Length > sig.Length || plusModulus.AsSpan().SequenceCompareTo(sig) > 0);
        Assert.Equal(ResponseCode.Changed, h.Post(FobnailPaths.ProvisionMeta(pc), new SignedObject(meta, plusModulus).Encode()).Code);

        nonce = h.Nonce();
        sig = h.Attester.Sign(meta, nonce);
        sig[^1] ^= 1;
        Assert.Equal(ResponseCode.BadRequest, h.Post(FobnailPaths.ProvisionMeta(pc), new SignedObject(meta, sig).Encode()).Code);
        h.Nonce();  // every request consumes the nonce, failing ones too
        Assert.Equal(ResponseCode.BadRequest, h.Post(FobnailPaths.ProvisionMeta(pc), new SignedObject(meta, []).Encode()).Code);
    }

    [Theory]
    [InlineData(0u, ResponseCode.Created)]           // 0 means 2^16 + 1 (TPM 2.0 Part 2 §12.2.3.5)
    [InlineData(3u, ResponseCode.Created)]
    [InlineData(1u << 30, ResponseCode.Created)]
    [InlineData(1u, ResponseCode.Forbidden)]         // below rsa 0.5's MIN_PUB_EXPONENT (2)
    [InlineData((1u << 30) + 1, ResponseCode.Forbidden)] // above MAX_PUB_EXPONENT (1 << (31 - 1))
    [InlineData(uint.MaxValue, ResponseCode.Forbidden)]
    public void Aik_exponent_range_is_that_of_rsa_0_5_RsaPublicKey_new(uint exponent, byte expected)
    {
        // fobnail src/server/provisioning/mod.rs:135-138 → src/util/crypto/mod.rs:17-31 → rsa src/key.rs:514-524.
        using var h = new EmulatorHarness();
        TokenResponse ek = h.Post(FobnailPaths.ProvisionEk, h.Attester.EkChain.Encode());
        Assert.Equal(ResponseCode.Created, ek.Code);
        byte[] aik = h.Attester.AikTpm2bPublic;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(aik.AsSpan(18), exponent);  // TPMS_RSA_PARMS.exponent
        Assert.Equal(expected, h.Post(FobnailPaths.ProvisionAik, new AikRequest(aik, EmulatorHarness.Id(ek)).Encode()).Code);
    }

    [Fact]
    public async Task Continue_2_31_echoes_the_received_block_with_block1_more_0()
    {
        // coap-lite src/response.rs:14-31 (CoapResponse::new copies the request's payload) and
        // src/block_handler/mod.rs:142-170 with :364-379 (the echoed Block1's M is "end < payload length": false).
        var (h, server, udp) = await StartAsync();
        await using (server)
        using (h)
        using (udp)
        {
            byte[] block = new byte[1024];
            new Random(7).NextBytes(block);
            var put = new CoapMessage(CoapType.Confirmable, CoapCode.Post, 20, [5, 6, 7, 8]) { Payload = block };
            put.SetUriPath(FobnailPaths.ProvisionEk);
            put.ContentFormat = ContentFormats.Cbor;
            put.Block1 = new CoapBlockOption(0, true, 6);
            CoapMessage r = (await ExchangeAsync(udp, server.LocalEndPoint, put))!;
            Assert.Equal(CoapCode.Continue, r.Code);
            Assert.Equal(new CoapBlockOption(0, false, 6), r.Block1);
            Assert.Equal(block, r.Payload);
        }
    }
}
