using Fobnail.Attester.Flows;
using Fobnail.Hosted.DBus;
using Fobnail.Netlink.Token;
using Serilog;

namespace Fobnail.Hosted.Daemon;

/// <summary>
/// The hosted-mode loop: follows the token link's states (from <see cref="TokenLinkManager"/>), says which interface
/// is the token's (for the NetworkManager watch), attests each time the link becomes Ready (every plug), and on
/// AttestNow. Every verdict goes to the D-Bus object (properties + Verdict signal) and to the log with the
/// verdict as a structured field. One attestation at a time; one that is running when the token leaves is
/// cancelled.
/// </summary>
public sealed class AttesterDaemon
{
    private readonly IPlatformAttester _attester;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _lock = new();
    private CancellationTokenSource? _ready;

    public AttesterDaemon(IPlatformAttester attester, ILogger? log = null)
    {
        _attester = attester;
        _log = log ?? Serilog.Core.Logger.None;
    }

    /// <summary>Where verdicts and token presence are published (set once the bus object exists).</summary>
    public AttesterObject? Bus { get; set; }

    /// <summary>
    /// Called with the interface name when a token interface appears and with null when it goes away (the
    /// NetworkManager watch); called on the loop, so it must not block.
    /// </summary>
    public Action<string?>? TokenInterfaceChanged { get; init; }

    /// <summary>Called with every verdict after it was published (tests, desktop notification).</summary>
    public event Action<DaemonVerdict>? VerdictPublished;

    /// <summary>Follows <paramref name="links"/> until it ends or <paramref name="ct"/> fires.</summary>
    public async Task RunAsync(IAsyncEnumerable<TokenLinkEvent> links, CancellationToken ct)
    {
        var running = new List<Task>();
        string? tokenInterface = null;
        try
        {
            await foreach (TokenLinkEvent e in links.WithCancellation(ct).ConfigureAwait(false))
            {
                Bus?.SetTokenPresent(e.State != TokenLinkState.Absent);
                string? ifName = e.State == TokenLinkState.Absent ? null : e.IfName ?? tokenInterface;
                if (ifName != tokenInterface)
                {
                    tokenInterface = ifName;
                    TokenInterfaceChanged?.Invoke(ifName);
                }
                if (e.State == TokenLinkState.Ready && e.Previous != TokenLinkState.Ready)
                {
                    CancellationTokenSource ready;
                    lock (_lock) _ready = ready = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    _log.Information("token ready on {IfName}: attesting", e.IfName);
                    running.Add(AttestAndPublishAsync("plug", ready.Token));
                }
                else if (e.State != TokenLinkState.Ready)
                {
                    CancellationTokenSource? left;
                    lock (_lock) { left = _ready; _ready = null; }
                    if (left is not null)
                    {
                        _log.Information("token link left Ready ({Event})", e.ToString());
                        await left.CancelAsync().ConfigureAwait(false);
                    }
                }
                running.RemoveAll(t => t.IsCompleted);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            lock (_lock) { _ready?.Cancel(); _ready = null; }
            await Task.WhenAll(running).ConfigureAwait(false);
        }
    }

    /// <summary>The AttestNow method: attest with the token that is ready now.</summary>
    public async Task<AttestNowResult> AttestNowAsync(CancellationToken ct)
    {
        CancellationToken ready;
        lock (_lock)
        {
            ready = _ready?.Token ?? throw new AttestNowRefusedException(AttesterBus.ErrorTokenAbsent, "no Fobnail Token is plugged in and ready");
        }
        using var both = CancellationTokenSource.CreateLinkedTokenSource(ready, ct);
        try
        {
            DaemonVerdict v = await AttestAndPublishCoreAsync("AttestNow", both.Token).ConfigureAwait(false);
            return new AttestNowResult(VerdictNames.Of(v.Kind), v.Detail);
        }
        catch (OperationCanceledException) when (ready.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new AttestNowRefusedException(AttesterBus.ErrorTokenAbsent, "the token went away during the attestation");
        }
    }

    private async Task AttestAndPublishAsync(string why, CancellationToken ct)
    {
        try { await AttestAndPublishCoreAsync(why, ct).ConfigureAwait(false); }
        catch (OperationCanceledException) { _log.Information("attestation ({Why}) cancelled: the token left or the daemon stops", why); }
        catch (Exception e) { _log.Error(e, "attestation ({Why}) failed unexpectedly", why); }
    }

    private async Task<DaemonVerdict> AttestAndPublishCoreAsync(string why, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            DaemonVerdict v = await _attester.AttestAsync(ct).ConfigureAwait(false);
            string name = VerdictNames.Of(v.Kind);
            _log.ForContext("Verdict", name).ForContext("PlatformId", v.PlatformId ?? "")
                .Write(v.Kind == AttestationVerdictKind.Trusted ? Serilog.Events.LogEventLevel.Information : Serilog.Events.LogEventLevel.Warning,
                    "verdict ({Why}): {Detail}", why, v.Detail);
            Bus?.PublishVerdict(name, v.Detail, DateTimeOffset.UtcNow, v.PlatformId);
            VerdictPublished?.Invoke(v);
            return v;
        }
        finally
        {
            _gate.Release();
        }
    }
}
