using System.Net;
using Fobnail.Attester.Flows;
using Fobnail.Attester.Platform;
using Fobnail.Attester.Session;
using Fobnail.Tpm;
using Fobnail.Coap;
using Fobnail.Protocol;

namespace Fobnail.Attester.Tests.Flows;

/// <summary>
/// A bad token must never crash PID 1: fake CoAP peers (our CoapServer on loopback) that answer with the wrong
/// API version or with random codes, options and payloads. Every run ends in a typed outcome, never an exception.
/// </summary>
[Collection(TpmCollection.Name)]
public class HostileTokenTests(TpmFixture tpm)
{
    private static AttesterSettings Settings(IPEndPoint peer) => new()
    {
        Token = peer,
        Metadata = new MetadataOverrides([2, 0, 0, 0, 0, 7], "Fobnail", "Hostile", "H1"),
        Session = new TokenSessionOptions { Coap = TokenSessionOptions.CoapDefaults(TimeSpan.FromMilliseconds(200), 1) },
    };

    [Fact]
    public async Task A_peer_without_api_v1_is_a_ProtocolError_before_anything_is_sent()
    {
        await using var server = new CoapServer(new IPEndPoint(IPAddress.Loopback, 0));
        int requests = 0;
        server.Map("", ctx =>
        {
            Interlocked.Increment(ref requests);
            return ValueTask.FromResult(new CoapServerResponse(CoapCode.Content, new VersionResponse([2]).Encode()));
        });
        server.Start();
        using ITpmTransport transport = tpm.Open();
        new TpmAttestationKeys(transport).EnsureAik(allowCreate: true);
        await using TokenAttester a = await TokenAttester.RunAsync(transport, Settings(server.LocalEndPoint));
        Assert.Equal(AttestationVerdictKind.ProtocolError, a.Attestation.Kind);
        Assert.Contains("not 1", a.Attestation.Detail);
        Assert.Equal(1, requests);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    public async Task Random_answers_always_end_in_a_typed_outcome(int seed, bool provision)
    {
        var random = new Random(seed);
        CoapCode[] codes = [CoapCode.Content, CoapCode.Created, CoapCode.Changed, CoapCode.Deleted, CoapCode.BadRequest, CoapCode.Forbidden, CoapCode.NotFound, CoapCode.InternalServerError];
        await using var server = new CoapServer(new IPEndPoint(IPAddress.Loopback, 0));
        server.Map("", ctx =>
        {
            CoapServerResponse r;
            lock (random)
            {
                string path = string.Join('/', ctx.Message.UriPath);
                // Mostly plausible answers (so runs get deep into the flows), sometimes garbage.
                byte[] payload = (path, random.Next(3)) switch
                {
                    ("api/version", not 0) => new VersionResponse([1]).Encode(),
                    ("api/v1/nonce", not 0) => RandomBytes(random, 32),
                    ("api/v1/attest", not 0) => new QuoteRequest(RandomBytes(random, 32), DefaultPolicy.Banks).Encode(),
                    ("api/v1/admin/provision/aik", not 0) => new AikChallenge(RandomBytes(random, 70), RandomBytes(random, 258)).Encode(),
                    _ => RandomBytes(random, random.Next(0, 80)),
                };
                CoapCode code = random.Next(4) == 0 ? codes[random.Next(codes.Length)] : path.EndsWith("nonce") || path.EndsWith("version") ? CoapCode.Content : CoapCode.Created;
                r = new CoapServerResponse(code, payload);
                int location = random.Next(4);
                if (location <= 1) r.WithLocationPath(random.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
                else if (location == 2) r.WithLocationPath("x", "-1");
                else if (location == 3) r.WithLocationPath("99999999999");
            }
            return ValueTask.FromResult(r);
        });
        server.Start();
        using ITpmTransport transport = tpm.Open();
        new TpmAttestationKeys(transport).EnsureAik(allowCreate: true);
        var kinds = new HashSet<AttestationVerdictKind>();
        var paths = new HashSet<string>();
        server.RequestReceived += (m, _) => { lock (paths) paths.Add(string.Join('/', m.UriPath)); };
        string ekChain = Directory.CreateTempSubdirectory("fobnail-hostile-").FullName;
        try
        {
            for (int i = 0; i < 200; i++)
            {
                var settings = Settings(server.LocalEndPoint) with { Provision = provision, EkChainDirectory = ekChain };
                await using TokenAttester a = await TokenAttester.RunAsync(transport, settings);
                kinds.Add(a.Attestation.Kind);
                Assert.False(string.IsNullOrWhiteSpace(a.Attestation.Summary));
            }
        }
        finally
        {
            Directory.Delete(ekChain, true);
        }
        Assert.Contains(AttestationVerdictKind.ProtocolError, kinds);
        // The random answers got the flows deep: to the AIK challenge (whose random idObject the TPM then
        // refuses) when provisioning, to the evidence POST after a real TPM2_Quote when attesting.
        if (provision)
            Assert.Contains("api/v1/admin/provision/aik", paths);
        else
            Assert.Contains(paths, p => p.StartsWith("api/v1/attest/", StringComparison.Ordinal));
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] b = new byte[length];
        random.NextBytes(b);
        return b;
    }
}
