using System.Net;
using System.Net.Sockets;
using Fobnail.Attester.Platform;
using Fobnail.Attester.Session;
using Fobnail.Tpm;
using Fobnail.Coap;
using Fobnail.Protocol;
using Serilog;

namespace Fobnail.Attester.Flows;

/// <summary>
/// The whole attester for /init and the CLI: collect the metadata and do the slow TPM work, open ONE token
/// session, optionally provision, attest, and keep the session open (with its keep-alive) so that FTS calls can
/// follow on the same UDP endpoint. Dispose to close the session. Never throws for token or TPM failures: they
/// are in <see cref="Attestation"/>; only cancellation escapes.
/// </summary>
public sealed class TokenAttester : IAsyncDisposable
{
    private TokenAttester(PlatformIdentity? platform, TokenSession? session, ProvisioningOutcome? provisioning, AttestationOutcome attestation)
    {
        Platform = platform;
        Session = session;
        Provisioning = provisioning;
        Attestation = attestation;
    }

    public PlatformIdentity? Platform { get; }

    /// <summary>The open session (null if it never opened).</summary>
    public TokenSession? Session { get; }

    /// <summary>The provisioning result when provisioning was asked for.</summary>
    public ProvisioningOutcome? Provisioning { get; }

    public AttestationOutcome Attestation { get; }

    /// <summary>FTS on this session; only when <see cref="Attestation"/> is Trusted.</summary>
    public FtsClient Fts => FtsClient.For(Session ?? throw new InvalidOperationException("no token session"), Attestation);

    public static async Task<TokenAttester> RunAsync(ITpmTransport transport, AttesterSettings settings, ILogger? log = null, CancellationToken ct = default)
    {
        log ??= Serilog.Core.Logger.None;
        PlatformIdentity platform;
        ProvisioningInputs? inputs = null;
        try
        {
            platform = PlatformIdentity.Collect(settings.Metadata, settings.DmiDirectory, settings.SysfsRoot);
            log.Information("platform metadata: {Platform}", platform);
        }
        catch (Exception e) when (e is PlatformMetadataException or SmbiosException)
        {
            return new TokenAttester(null, null, null, new AttestationOutcome(AttestationVerdictKind.ProtocolError, $"platform metadata: {e.Message}"));
        }
        try
        {
            // Slow TPM work before the first request (§3.6): the token forgets a client idle for 3 s.
            if (settings.Provision)
            {
                inputs = ProvisioningInputs.Prepare(transport, platform, settings.EkChainDirectory, settings.AllowCreateKeys, log);
            }
            else
            {
                new Startup().Execute(transport);
                new TpmAttestationKeys(transport, log).EnsureAik(allowCreate: false);
            }
        }
        catch (Exception e) when (e is TpmException or IOException or UnauthorizedAccessException)
        {
            return new TokenAttester(platform, null, null, new AttestationOutcome(AttestationVerdictKind.ProtocolError, $"TPM: {e.Message}"));
        }

        TokenSession session;
        try
        {
            session = new TokenSession(settings.Token, settings.Session, log,
                settings.LocalAddress is { } local ? new IPEndPoint(local, 0) : null);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressNotAvailable)
        {
            // The token interface's address left with the token (unplugged after its link was ready, during the
            // TPM work above): the token is gone, not a bug of ours.
            return new TokenAttester(platform, null, null, new AttestationOutcome(AttestationVerdictKind.TokenUnreachable,
                $"cannot use the token interface's address {settings.LocalAddress}: {e.Message} (the token went away?)"));
        }
        try
        {
            if (await CheckApiVersionAsync(session, log, ct).ConfigureAwait(false) is { } refused)
                return new TokenAttester(platform, session, null, refused);
            ProvisioningOutcome? provisioning = null;
            if (inputs is not null)
            {
                provisioning = await new ProvisioningFlow(session, transport, log).RunAsync(inputs, ct).ConfigureAwait(false);
                if (!provisioning.PlatformKnown)
                    return new TokenAttester(platform, session, provisioning, provisioning.AsAttestation());
            }
            AttestationOutcome attestation = await new AttestationFlow(session, transport, log).RunAsync(platform, ct).ConfigureAwait(false);
            return new TokenAttester(platform, session, provisioning, attestation);
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// GET /api/version (§5.1, §11.4): the token must list API version 1 (a 4.04 from firmware older than the
    /// endpoint counts as v1, with a warning). Returns null when it does, else the
    /// outcome to stop with (an unreachable token, or a peer that is not a v1 Fobnail token).
    /// </summary>
    private static async Task<AttestationOutcome?> CheckApiVersionAsync(TokenSession session, ILogger log, CancellationToken ct)
    {
        try
        {
            session.StartKeepAlive();
            CoapMessage r = await session.GetAsync(FobnailPaths.Version, ct).ConfigureAwait(false);
            if (r.Code == CoapCode.NotFound)
            {
                // Firmware built between 2022-08-31 and 2022-10-13 serves API v1 under /api/v1 but has no
                // /api/version yet (coap-server-rs answers 4.04 for an unknown path). Decision: accept it as v1 and
                // say so; everything it answers afterwards is checked as strictly as for a current token.
                log.Warning("the token answered 4.04 to {Path}: firmware from before 2022-10-13; assuming API v1 (update the token's firmware)", FobnailPaths.Version);
                return null;
            }
            TokenProtocolException.Expect(r, FobnailPaths.Version, CoapCode.Content);
            VersionResponse versions = VersionResponse.Decode(r.Payload);
            if (versions.Supports(1))
                return null;
            return new AttestationOutcome(AttestationVerdictKind.ProtocolError, $"the token supports API versions [{string.Join(',', versions.Versions)}], not 1");
        }
        catch (Exception e) when (FlowFailure.From(e) is { } f)
        {
            log.Warning("API version check failed: {Detail}", f.Detail);
            return AttestationOutcome.Failed(f);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Session is not null)
            await Session.DisposeAsync().ConfigureAwait(false);
    }
}
