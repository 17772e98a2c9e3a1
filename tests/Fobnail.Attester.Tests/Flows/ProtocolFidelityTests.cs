using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Fobnail.Attester.Flows;
using Fobnail.Attester.Platform;
using Fobnail.Attester.Session;
using Fobnail.Coap;
using Fobnail.Protocol;
using Fobnail.Tpm;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Fobnail.Attester.Tests.Flows;

/// <summary>
/// Issue #10, "the attester against a real token": each fix shown against the emulator behaving like the firmware
/// (fobnail @ 7038cb3), where the old attester's request fails.
/// </summary>
[Collection(TpmCollection.Name)]
public class ProtocolFidelityTests(TpmFixture tpm)
{
    private AttesterSettings Settings(TokenPeer token, string serial, bool provision) => new()
    {
        Token = token.EndPoint,
        Provision = provision,
        EkChainDirectory = token.EkChainDir,
        Metadata = new MetadataOverrides([0x52, 0x54, 0x00, 0x77, 0x00, 0x01], "Fobnail", "Fidelity", serial),
    };

    [Fact]
    public async Task Fts_read_of_a_file_in_the_crash_window_asks_for_block2_and_survives()
    {
        // coap-lite src/block_handler/mod.rs:376-385 switches to Block2 only from 1483 − TKL payload bytes; a 1470-byte
        // file goes out as 1480 bytes of CoAP, above the 1472 of a 1514-byte frame (fobnail pal/pal_nrf/src/net.rs:58):
        // the token panics. The emulator imitates the reset.
        await using TokenPeer token = TokenPeer.Start(tpm);
        using ITpmTransport transport = tpm.Open();
        byte[] file = RandomNumberGenerator.GetBytes(1470);
        // Short CoAP timeouts so the unanswered GET gives up in seconds (1 s ACK timeout, 1 retransmission).
        var quick = new TokenSessionOptions { Coap = TokenSessionOptions.CoapDefaults(TimeSpan.FromSeconds(1), 1) };
        await using (TokenAttester a = await TokenAttester.RunAsync(transport, Settings(token, "crash-window", provision: true) with { Session = quick }))
        {
            Assert.True(a.Attestation.IsTrusted, a.Attestation.Summary);
            await a.Fts.PutAsync("f", file);
            // The old attester's read: a plain GET. The token resets instead of answering; the retransmission, if
            // any, reaches a token that no longer knows this client. Either way the file does not come back.
            CoapMessage? plain = null;
            try { plain = await a.Session!.GetAsync(FobnailPaths.StorageFile("f"), CancellationToken.None); }
            catch (TokenUnreachableException) { }
            Assert.True(plain is null || plain.Code != CoapCode.Content, $"plain GET answered {plain?.Code}");
            Assert.Equal(1, token.Server.ImitatedResets);
        }
        await using (TokenAttester b = await TokenAttester.RunAsync(transport, Settings(token, "crash-window", provision: false)))
        {
            Assert.True(b.Attestation.IsTrusted, b.Attestation.Summary);
            Assert.Equal(file, await b.Fts.GetAsync("f"));
            // Small and multi-block files too, all with Block2 asked on the first GET.
            await b.Fts.PutAsync("s", [1, 2, 3]);
            Assert.Equal([1, 2, 3], await b.Fts.GetAsync("s"));
            byte[] large = RandomNumberGenerator.GetBytes(5000);
            await b.Fts.PutAsync("l", large);
            Assert.Equal(large, await b.Fts.GetAsync("l"));
        }
        Assert.Equal(1, token.Server.ImitatedResets);
    }

    [Fact]
    public async Task Fts_file_name_aik_is_refused_before_sending()
    {
        // fobnail src/server/fts/storage.rs:44: locate_file is recursive and finds meta/<id>_aik.
        Assert.Throws<ArgumentException>(() => FtsClient.Path("aik"));
        await using TokenPeer token = TokenPeer.Start(tpm);
        using ITpmTransport transport = tpm.Open();
        await using TokenAttester a = await TokenAttester.RunAsync(transport, Settings(token, "aik-name", provision: true));
        Assert.True(a.Attestation.IsTrusted, a.Attestation.Summary);
        // What the old attester got from the firmware-like token: 5.00 for GET of "aik".
        CoapMessage r = await a.Session!.GetAsync(FobnailPaths.StorageFile("aik"), CancellationToken.None);
        Assert.Equal(CoapCode.InternalServerError, r.Code);
        await Assert.ThrowsAsync<ArgumentException>(() => a.Fts.GetAsync("aik"));
        await Assert.ThrowsAsync<ArgumentException>(() => a.Fts.PutAsync("aik", [1]));
    }

    [Fact]
    public async Task Ek_chain_certificate_with_a_tbs_over_1024_bytes_is_refused_before_sending()
    {
        // fobnail src/certmgr/verify.rs:365-377: the raw TBSCertificate goes through one 1024-byte Trussed message.
        await using TokenPeer token = TokenPeer.Start(tpm);
        string chain = Directory.CreateTempSubdirectory("fobnail-bigtbs-").FullName;
        try
        {
            // An intermediate CA (issued by another CA: a self-signed certificate would be dropped as a root).
            using var rootKey = RSA.Create(2048);
            var rootReq = new CertificateRequest("CN=big-tbs root", rootKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            rootReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            using X509Certificate2 root = rootReq.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(2));
            using var key = RSA.Create(2048);
            var req = new CertificateRequest("CN=" + new string('x', 60), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            req.CertificateExtensions.Add(new X509Extension("1.2.3.4.5", new byte[900], false));
            req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            using X509Certificate2 big = req.Create(root, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3, 4]);
            Assert.True(EkCertChain.TbsCertificateLength(big.RawData) > ProtocolLimits.MaxTbsCertificate);
            await File.WriteAllBytesAsync(Path.Combine(chain, "big.der"), big.RawData);
            using ITpmTransport transport = tpm.Open();
            var settings = Settings(token, "big-tbs", provision: true) with { EkChainDirectory = chain };
            await using TokenAttester a = await TokenAttester.RunAsync(transport, settings);
            Assert.Equal(AttestationVerdictKind.ProtocolError, a.Attestation.Kind);
            Assert.Contains("TBSCertificate", a.Attestation.Detail);
            Assert.Null(a.Session); // nothing was sent
        }
        finally
        {
            Directory.Delete(chain, true);
        }
    }

    [Fact]
    public async Task Token_interface_address_gone_before_the_first_request_is_unreachable_not_an_exception()
    {
        // /init binds the client to the token interface's address (item 6); a token unplugged during the TPM work
        // takes that address with it, and bind(2) says EADDRNOTAVAIL (seen in QEMU: "step 'attest' threw").
        await using TokenPeer token = TokenPeer.Start(tpm);
        using ITpmTransport transport = tpm.Open();
        var settings = Settings(token, "gone-address", provision: true) with { LocalAddress = IPAddress.Parse("192.0.2.77") };
        await using TokenAttester a = await TokenAttester.RunAsync(transport, settings);
        Assert.Equal(AttestationVerdictKind.TokenUnreachable, a.Attestation.Kind);
        Assert.Contains("192.0.2.77", a.Attestation.Detail);
    }

    [Fact]
    public async Task Api_version_404_of_firmware_before_2022_10_13_is_accepted_as_v1_with_a_warning()
    {
        // Decision for issue #10 item 7: such firmware serves /api/v1 but not yet /api/version.
        await using TokenPeer token = TokenPeer.Start(tpm);
        await using var old = new CoapServer(new IPEndPoint(IPAddress.Loopback, 0));
        // A peer that answers 4.04 to /api/version and nothing else: the attester goes on to /api/v1.
        var paths = new List<string>();
        old.Map("", ctx =>
        {
            string path = string.Join('/', ctx.Message.UriPath);
            lock (paths) paths.Add(path);
            return ValueTask.FromResult(path == "api/version"
                ? CoapServerResponse.Text(CoapCode.NotFound, "Not found")
                : new CoapServerResponse(CoapCode.NotFound));
        });
        old.Start();
        var lines = new List<string>();
        using var log = new LoggerConfiguration().WriteTo.Sink(new Lines(lines)).CreateLogger();
        using ITpmTransport transport = tpm.Open();
        new TpmAttestationKeys(transport).EnsureAik(allowCreate: true);
        await using TokenAttester a = await TokenAttester.RunAsync(transport, Settings(token, "old-fw", provision: false) with { Token = old.LocalEndPoint }, log);
        Assert.Contains("api/v1/nonce", paths);
        Assert.Contains(lines, l => l.Contains("assuming API v1", StringComparison.Ordinal));
    }

    private sealed class Lines(List<string> lines) : ILogEventSink
    {
        public void Emit(LogEvent e) { lock (lines) lines.Add(e.RenderMessage()); }
    }
}
