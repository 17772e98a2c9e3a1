using System.Diagnostics;
using System.Security.Cryptography;
using Fobnail.Testing.Network;
using Fobnail.Attester.Flows;
using Fobnail.Attester.Platform;
using Fobnail.Attester.Session;
using Fobnail.Tpm;
using Fobnail.Coap;
using Xunit.Abstractions;

namespace Fobnail.Attester.Tests.Flows;

/// <summary>
/// The attester flows against real peers: a manufactured swtpm (EK certificate from its local CA) and the token
/// emulator on 127.0.0.1, over real UDP. Each test uses a fresh token and its own platform metadata.
/// </summary>
[Collection(TpmCollection.Name)]
public class AttesterFlowTests
{
    private readonly TpmFixture _tpm;
    private readonly ITestOutputHelper _out;

    public AttesterFlowTests(TpmFixture tpm, ITestOutputHelper output)
    {
        _tpm = tpm;
        _out = output;
    }

    private static MetadataOverrides Platform(string serial) =>
        new([0x52, 0x54, 0x00, 0x12, 0x34, 0x56], "Fobnail", "Flow test platform", serial);

    private static TokenSessionOptions Session(TimeSpan ackTimeout, int maxRetransmit, TimeSpan keepAlive) => new()
    {
        Coap = TokenSessionOptions.CoapDefaults(ackTimeout, maxRetransmit, keepAlive),
    };

    private static AttesterSettings Settings(TokenPeer token, string serial, bool provision, TokenSessionOptions? session = null) => new()
    {
        Token = token.EndPoint,
        Provision = provision,
        EkChainDirectory = token.EkChainDir,
        Metadata = Platform(serial),
        Session = session ?? new TokenSessionOptions(),
    };

    [Fact]
    public async Task Provision_then_attest_is_Trusted_and_a_second_provisioning_is_already_provisioned()
    {
        await using TokenPeer token = TokenPeer.Start(_tpm);
        using ITpmTransport tpm = _tpm.Open();

        var clock = Stopwatch.StartNew();
        await using (TokenAttester first = await TokenAttester.RunAsync(tpm, Settings(token, "prov-1", provision: true)))
        {
            _out.WriteLine($"{first.Provisioning!.Summary} in {first.Provisioning.Elapsed.TotalMilliseconds:F0} ms");
            _out.WriteLine($"{first.Attestation.Summary} in {first.Attestation.Elapsed.TotalMilliseconds:F0} ms");
            _out.WriteLine($"whole run incl. TPM preparation: {clock.ElapsedMilliseconds} ms");
            Assert.Equal(ProvisioningResultKind.Provisioned, first.Provisioning.Kind);
            Assert.Equal(AttestationVerdictKind.Trusted, first.Attestation.Kind);
            // The token stored the platform under SHA-256 of our metadata bytes.
            Assert.True(File.Exists(Path.Combine(token.Dir, "state", "meta", Convert.ToHexStringLower(SHA256.HashData(first.Platform!.Bytes)))));
        }

        clock.Restart();
        await using (TokenAttester attestOnly = await TokenAttester.RunAsync(tpm, Settings(token, "prov-1", provision: false)))
        {
            _out.WriteLine($"attestation only (new session): {attestOnly.Attestation.Summary}, flow {attestOnly.Attestation.Elapsed.TotalMilliseconds:F0} ms, whole {clock.ElapsedMilliseconds} ms");
            Assert.Equal(AttestationVerdictKind.Trusted, attestOnly.Attestation.Kind);
        }

        await using TokenAttester again = await TokenAttester.RunAsync(tpm, Settings(token, "prov-1", provision: true));
        Assert.Equal(ProvisioningResultKind.AlreadyProvisioned, again.Provisioning!.Kind);
        Assert.Equal(CoapCode.Forbidden, again.Provisioning.Code);
        Assert.Equal(AttestationVerdictKind.Trusted, again.Attestation.Kind);
    }

    [Fact]
    public async Task Attesting_an_unprovisioned_platform_is_PlatformNotProvisioned()
    {
        await using TokenPeer token = TokenPeer.Start(_tpm);
        using ITpmTransport tpm = _tpm.Open();
        new TpmAttestationKeys(tpm).EnsureAik(allowCreate: true);   // a platform with keys, unknown to this token
        await using TokenAttester a = await TokenAttester.RunAsync(tpm, Settings(token, "never-provisioned", provision: false));
        _out.WriteLine(a.Attestation.Summary);
        Assert.Equal(AttestationVerdictKind.PlatformNotProvisioned, a.Attestation.Kind);
        Assert.Equal(CoapCode.NotFound, a.Attestation.Code);
        Assert.Throws<InvalidOperationException>(() => a.Fts);
    }

    [Fact]
    public async Task A_token_its_owner_never_provisioned_is_TokenNotProvisioned()
    {
        await using TokenPeer token = TokenPeer.Start(_tpm, provisioned: false);
        using ITpmTransport tpm = _tpm.Open();
        new TpmAttestationKeys(tpm).EnsureAik(allowCreate: true);
        await using TokenAttester a = await TokenAttester.RunAsync(tpm, Settings(token, "x", provision: false));
        Assert.Equal(AttestationVerdictKind.TokenNotProvisioned, a.Attestation.Kind);
        await using TokenAttester p = await TokenAttester.RunAsync(tpm, Settings(token, "x", provision: true));
        Assert.Equal(ProvisioningResultKind.TokenNotProvisioned, p.Provisioning!.Kind);
        Assert.Equal(AttestationVerdictKind.TokenNotProvisioned, p.Attestation.Kind);
    }

    [Fact]
    public async Task Extending_a_policy_pcr_after_provisioning_makes_attestation_NotTrusted()
    {
        await using TokenPeer token = TokenPeer.Start(_tpm);
        using ITpmTransport tpm = _tpm.Open();
        await using (TokenAttester p = await TokenAttester.RunAsync(tpm, Settings(token, "pcr-ext", provision: true)))
            Assert.Equal(AttestationVerdictKind.Trusted, p.Attestation.Kind);

        // PCR 7 is in the token's default policy (0-7, 17, 18).
        TpmPcrBanks.ExtendAllBanks(tpm, 7, "fobnail flows test"u8);

        await using TokenAttester a = await TokenAttester.RunAsync(tpm, Settings(token, "pcr-ext", provision: false));
        Assert.Equal(AttestationVerdictKind.NotTrusted, a.Attestation.Kind);
        Assert.Equal(CoapCode.Forbidden, a.Attestation.Code);
        _out.WriteLine(a.Attestation.Summary);
    }

    [Fact]
    public async Task Fts_put_get_delete_of_a_5000_byte_file_after_attestation_and_the_session_survives_a_4_5_s_pause()
    {
        await using TokenPeer token = TokenPeer.Start(_tpm);
        using ITpmTransport tpm = _tpm.Open();
        await using TokenAttester a = await TokenAttester.RunAsync(tpm, Settings(token, "fts", provision: true));
        Assert.Equal(AttestationVerdictKind.Trusted, a.Attestation.Kind);
        FtsClient fts = a.Fts;

        byte[] content = new byte[5000];
        new Random(5000).NextBytes(content);
        Assert.True(await fts.PutAsync("secret.bin", content));
        Assert.Equal(content, await fts.GetAsync("secret.bin"));
        Assert.False(await fts.PutAsync("secret.bin", content[..4000]));   // overwrite → 2.04

        // Longer than the token's 3 s idle purge: only the keep-alive pings keep the FTS grant alive.
        int sentBefore = a.Session!.DatagramsSent;
        await Task.Delay(TimeSpan.FromSeconds(4.5));
        Assert.True(a.Session.DatagramsSent - sentBefore >= 3, $"expected keep-alive pings during the pause, saw {a.Session.DatagramsSent - sentBefore} datagrams");
        Assert.Equal(0, a.Session.KeepAliveFailures);
        Assert.Equal(content[..4000], await fts.GetAsync("secret.bin"));

        await fts.DeleteAsync("secret.bin");
        Assert.Null(await fts.GetAsync("secret.bin"));
        Assert.Throws<ArgumentException>(() => FtsClient.Path(".."));
        await Assert.ThrowsAsync<ArgumentException>(() => fts.PutAsync("big", new byte[6001]));
    }

    [Fact]
    public async Task Without_keep_alive_the_token_forgets_the_attested_session_after_a_4_5_s_pause()
    {
        // The control for the test above: the same pause without pings loses the FTS grant (4.04 → null here
        // would be indistinguishable, so PUT, which answers 4.04 only without access).
        await using TokenPeer token = TokenPeer.Start(_tpm);
        using ITpmTransport tpm = _tpm.Open();
        var options = Session(TimeSpan.FromSeconds(2), 4, keepAlive: TimeSpan.FromSeconds(30));
        await using TokenAttester a = await TokenAttester.RunAsync(tpm, Settings(token, "no-keepalive", provision: true, options));
        Assert.Equal(AttestationVerdictKind.Trusted, a.Attestation.Kind);
        await Task.Delay(TimeSpan.FromSeconds(4.5));
        var e = await Assert.ThrowsAsync<TokenProtocolException>(() => a.Fts.PutAsync("f", [1, 2, 3]));
        Assert.Equal(CoapCode.NotFound, e.Code);
    }

    [Theory]
    [InlineData(2)]   // /api/version and the nonce answered, /attest dropped
    [InlineData(3)]   // /attest answered, the evidence dropped
    public async Task A_token_that_goes_silent_mid_flow_is_TokenUnreachable_within_a_bounded_time(int answered)
    {
        await using TokenPeer token = TokenPeer.Start(_tpm);
        using ITpmTransport tpm = _tpm.Open();
        await using (TokenAttester p = await TokenAttester.RunAsync(tpm, Settings(token, "silent", provision: true)))
            Assert.Equal(AttestationVerdictKind.Trusted, p.Attestation.Kind);

        using var relay = UdpRelay.SilentAfter(token.EndPoint, answered);
        var fast = Session(TimeSpan.FromMilliseconds(300), 2, keepAlive: TimeSpan.FromSeconds(10));
        var settings = Settings(token, "silent", provision: false, fast) with { Token = relay.EndPoint };
        var clock = Stopwatch.StartNew();
        await using TokenAttester a = await TokenAttester.RunAsync(tpm, settings);
        _out.WriteLine($"{a.Attestation.Summary} after {clock.ElapsedMilliseconds} ms");
        Assert.Equal(AttestationVerdictKind.TokenUnreachable, a.Attestation.Kind);
        Assert.True(relay.Silent);
        // 300 ms × 1.5 × (1 + 2 + 4) ≈ 3.2 s at most for the CoAP back-off, plus TPM work.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_token_that_goes_silent_during_provisioning_is_TokenUnreachable()
    {
        await using TokenPeer token = TokenPeer.Start(_tpm);
        using ITpmTransport tpm = _tpm.Open();
        using var relay = UdpRelay.SilentAfter(token.EndPoint, 2);   // /api/version answered; the EK chain upload (Block1, > 1 KiB) is cut after its first block
        var settings = Settings(token, "silent-prov", provision: true, Session(TimeSpan.FromMilliseconds(300), 2, keepAlive: TimeSpan.FromSeconds(10))) with { Token = relay.EndPoint };
        var clock = Stopwatch.StartNew();
        await using TokenAttester a = await TokenAttester.RunAsync(tpm, settings);
        _out.WriteLine($"{a.Provisioning!.Summary} after {clock.ElapsedMilliseconds} ms");
        Assert.Equal(ProvisioningResultKind.TokenUnreachable, a.Provisioning.Kind);
        Assert.Equal(AttestationVerdictKind.TokenUnreachable, a.Attestation.Kind);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Unanswered_keep_alive_pings_make_the_next_request_fail_fast_as_TokenUnreachable()
    {
        await using TokenPeer token = TokenPeer.Start(_tpm);
        using ITpmTransport tpm = _tpm.Open();
        using var relay = UdpRelay.Transparent(token.EndPoint);
        var settings = Settings(token, "pings", provision: true, Session(TimeSpan.FromMilliseconds(300), 2, keepAlive: TimeSpan.FromSeconds(1))) with { Token = relay.EndPoint };
        await using TokenAttester a = await TokenAttester.RunAsync(tpm, settings);
        Assert.Equal(AttestationVerdictKind.Trusted, a.Attestation.Kind);

        relay.Silence();   // the token is unplugged
        var wait = Stopwatch.StartNew();
        while (a.Session!.KeepAliveFailures < 3 && wait.Elapsed < TimeSpan.FromSeconds(15))
            await Task.Delay(100);
        Assert.True(a.Session.KeepAliveFailures >= 3, "keep-alive pings did not notice the silence");
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<TokenUnreachableException>(() => a.Fts.GetAsync("any"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}: the lost session should be reported without a new back-off");
    }

    [Fact]
    public async Task Cancellation_reaches_the_socket()
    {
        await using TokenPeer token = TokenPeer.Start(_tpm);
        using var relay = UdpRelay.SilentAfter(token.EndPoint, 0);
        await using var session = new TokenSession(relay.EndPoint);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.GetNonceAsync(cts.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"cancellation took {clock.Elapsed}");
    }
}
