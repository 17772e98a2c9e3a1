namespace Fobnail.Tpm;

/// <summary>
/// How long a transport waits for each response, and the token that aborts every wait of the transport (PID 1
/// passes its shutdown token). A TPM that never answers must not hang boot, yet RSA key generation on a slow
/// discrete TPM takes tens of seconds, so key-creating commands get their own, longer bound.
/// </summary>
public sealed record TpmTransportOptions
{
    public static TpmTransportOptions Default { get; } = new();

    /// <summary>Bound for every command that does not create a key (PCR reads, quotes, NV reads, ...).</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bound for TPM2_CreatePrimary, TPM2_Create and TPM2_CreateLoaded (RSA key generation).</summary>
    public TimeSpan KeyGenerationTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Cancels the wait for any response of the transport; the waiting call throws <see cref="OperationCanceledException"/>.</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>The timeout for the command with TPM_CC <paramref name="commandCode"/>.</summary>
    public TimeSpan TimeoutFor(uint commandCode) => commandCode switch
    {
        (uint)TpmCc.CreatePrimary or (uint)TpmCc.Create or (uint)TpmCc.CreateLoaded => KeyGenerationTimeout,
        _ => CommandTimeout,
    };
}
