using Serilog;

namespace Fobnail.Token.Emulator.Led;

/// <summary>The token's LEDs as log lines (as the firmware's PC build does), with a history for tests.</summary>
public sealed class LedController(ILogger log)
{
    /// <summary>Only the most recent changes are kept, so a long-running emulator does not grow.</summary>
    public const int HistoryLimit = 256;

    private readonly List<LedState> _history = [];

    public IReadOnlyList<LedState> History => _history;

    public LedState? Current => _history.Count == 0 ? null : _history[^1];

    public void Control(LedState state)
    {
        if (_history.Count == HistoryLimit) _history.RemoveAt(0);
        _history.Add(state);
        log.Information("LED: {LedState} ({Meaning})", state, Describe(state));
    }

    private static string Describe(LedState state) => state switch
    {
        LedState.TokenNotProvisioned => "red solid",
        LedState.TokenWaiting => "both blink 100 ms every 5 s",
        LedState.TokenProvisioningComplete => "token provisioning complete blink",
        LedState.PlatformProvisioningOk => "green blinks 4 times",
        LedState.AttestationOk => "green solid",
        LedState.AttestationFailed => "red for 5 s",
        _ => "?",
    };
}
