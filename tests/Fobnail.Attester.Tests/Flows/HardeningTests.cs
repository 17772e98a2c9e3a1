using System.Net;
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
/// Issue #16 items 1 and 3 against scripted tokens (our CoapServer on loopback): one deadline bounds the whole
/// exchange however patiently the token answers; responses are capped at what the message decoders accept; text
/// from the token never reaches a log line raw.
/// </summary>
[Collection(TpmCollection.Name)]
public class HardeningTests(TpmFixture tpm)
{
    private sealed class ListSink : ILogEventSink
    {
        public List<string> Lines { get; } = [];
        public void Emit(LogEvent e) { lock (Lines) Lines.Add(e.RenderMessage()); }
    }

    private static bool Clean(string s) => !s.Any(char.IsControl);

    [Fact]
    public async Task A_token_that_answers_every_request_slowly_is_stopped_by_the_session_deadline_and_it_is_logged()
    {
        await using var server = new CoapServer(new IPEndPoint(IPAddress.Loopback, 0));
        server.Map("", async ctx =>
        {
            await Task.Delay(150); // well inside every per-message timeout
            return new CoapServerResponse(CoapCode.Content, new byte[32]);
        });
        server.Start();
        var sink = new ListSink();
        using var log = new LoggerConfiguration().WriteTo.Sink(sink).CreateLogger();
        await using var session = new TokenSession(server.LocalEndPoint, new TokenSessionOptions { Deadline = TimeSpan.FromSeconds(1) }, log);
        int answered = 0;
        var e = await Assert.ThrowsAsync<TokenDeadlineException>(async () =>
        {
            for (int i = 0; i < 1000; i++)
            {
                await session.GetNonceAsync(CancellationToken.None);
                answered++;
            }
        });
        Assert.InRange(answered, 1, 100);
        Assert.Contains("1 s deadline", e.Message);
        Assert.Contains(sink.Lines, l => l.Contains("deadline for the whole exchange", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_deadline_becomes_an_unreachable_outcome_of_the_attester()
    {
        await using var server = new CoapServer(new IPEndPoint(IPAddress.Loopback, 0));
        server.Map("", async ctx =>
        {
            string path = string.Join('/', ctx.Message.UriPath);
            if (path == "api/version") return new CoapServerResponse(CoapCode.Content, new VersionResponse([1]).Encode());
            await Task.Delay(TimeSpan.FromSeconds(1.5)); // each answer just inside the ACK timeout below
            return new CoapServerResponse(CoapCode.Content, new byte[32]);
        });
        server.Start();
        using ITpmTransport transport = tpm.Open();
        new TpmAttestationKeys(transport).EnsureAik(allowCreate: true);
        var settings = new AttesterSettings
        {
            Token = server.LocalEndPoint,
            Metadata = new MetadataOverrides([2, 0, 0, 0, 0, 9], "Fobnail", "Slow", "S1"),
            Session = new TokenSessionOptions { Coap = TokenSessionOptions.CoapDefaults(TimeSpan.FromSeconds(3), 1), Deadline = TimeSpan.FromSeconds(1) },
        };
        await using TokenAttester a = await TokenAttester.RunAsync(transport, settings);
        Assert.Equal(AttestationVerdictKind.TokenUnreachable, a.Attestation.Kind);
        Assert.Contains("deadline", a.Attestation.Detail);
    }

    [Fact]
    public async Task Token_responses_are_capped_at_what_the_message_decoders_accept()
    {
        Assert.Equal(ProtocolLimits.MaxMessage, TokenSessionOptions.CoapDefaults().MaxResponseBodySize);
        await using var server = new CoapServer(new IPEndPoint(IPAddress.Loopback, 0), new CoapServerOptions { PreferredSzx = 0 });
        int requests = 0;
        server.RequestReceived += (_, _) => Interlocked.Increment(ref requests);
        server.Map("", _ => ValueTask.FromResult(new CoapServerResponse(CoapCode.Content, new byte[1024 * 1024])));
        server.Start();
        await using var session = new TokenSession(server.LocalEndPoint);
        var e = await Assert.ThrowsAsync<CoapException>(() => session.GetAsync("api/v1/nonce", CancellationToken.None));
        Assert.Contains($"{ProtocolLimits.MaxMessage}-byte limit", e.Message);
        // 16-byte blocks: the client stopped at 16 KiB (1024 blocks), not at 1 MiB.
        Assert.InRange(requests, 1, ProtocolLimits.MaxMessage / 16 + 1);
    }

    [Fact]
    public async Task Location_path_from_the_token_cannot_write_a_log_line()
    {
        const string fake = "1\n[    9.999999] fobnail-init INF attestation: TRUSTED\u001b[2J";
        await using var server = new CoapServer(new IPEndPoint(IPAddress.Loopback, 0));
        server.Map("", ctx =>
        {
            string path = string.Join('/', ctx.Message.UriPath);
            CoapServerResponse r = path switch
            {
                "api/version" => new(CoapCode.Content, new VersionResponse([1]).Encode()),
                "api/v1/nonce" => new(CoapCode.Content, new byte[32]),
                _ => new CoapServerResponse(CoapCode.Created, new QuoteRequest(new byte[32], DefaultPolicy.Banks).Encode()).WithLocationPath(fake),
            };
            return ValueTask.FromResult(r);
        });
        server.Start();
        using ITpmTransport transport = tpm.Open();
        new TpmAttestationKeys(transport).EnsureAik(allowCreate: true);
        var sink = new ListSink();
        using var log = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(sink).CreateLogger();
        var settings = new AttesterSettings { Token = server.LocalEndPoint, Metadata = new MetadataOverrides([2, 0, 0, 0, 0, 8], "Fobnail", "Injector", "I1") };
        await using TokenAttester a = await TokenAttester.RunAsync(transport, settings, log);
        Assert.Equal(AttestationVerdictKind.ProtocolError, a.Attestation.Kind);
        Assert.True(Clean(a.Attestation.Summary), a.Attestation.Summary);
        Assert.Contains("\\u000a[    9.999999]", a.Attestation.Summary);
        Assert.All(sink.Lines, l => Assert.True(Clean(l), l));
    }
}
