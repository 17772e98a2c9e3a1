using System.Diagnostics;
using Fobnail.Attester.Session;
using Fobnail.Tpm;
using Serilog;

namespace Fobnail.Attester.Flows;

/// <summary>
/// What the provisioning and attestation flows share: the session, the AIK operations, and running the state
/// steps so that token and TPM failures become a typed outcome (timed and logged as one line) instead of an
/// exception. Only cancellation and bugs escape.
/// </summary>
public abstract class TokenFlow
{
    private protected TokenFlow(TokenSession session, ITpmTransport transport, ILogger? log)
    {
        Session = session;
        Log = log ?? Serilog.Core.Logger.None;
        Keys = new TpmAttestationKeys(transport, Log);
    }

    private protected TokenSession Session { get; }

    private protected TpmAttestationKeys Keys { get; }

    private protected ILogger Log { get; }

    private protected async Task<T> RunTimedAsync<T>(Func<Task<T>> steps, Func<FlowFailure, T> failed) where T : TokenOutcome
    {
        var clock = Stopwatch.StartNew();
        T outcome;
        try
        {
            Session.StartKeepAlive();
            outcome = await steps().ConfigureAwait(false);
        }
        catch (Exception e) when (FlowFailure.From(e) is { } f)
        {
            outcome = failed(f);
        }
        outcome = (T)(outcome with { Elapsed = clock.Elapsed });
        Log.Information("{Summary} in {Ms} ms", outcome.Summary, (long)clock.Elapsed.TotalMilliseconds);
        return outcome;
    }
}
