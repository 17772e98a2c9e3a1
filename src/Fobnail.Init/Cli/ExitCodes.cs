namespace Fobnail.Init.Cli;

/// <summary>
/// Every exit code of the command line tool, defined once (README "Command line" lists them). Scripts act on
/// them, so a value never changes meaning.
/// </summary>
internal static class ExitCodes
{
    /// <summary>Done; for attest: the token's verdict was TRUSTED.</summary>
    public const int Ok = 0;
    /// <summary>The command ran and did not succeed (TPM error, module not loaded, CoAP error response, ...).</summary>
    public const int Failed = 1;
    /// <summary>Bad usage: unknown option, bad value, an input that is not a readable regular file, a bad output path.</summary>
    public const int Usage = 2;
    public const int NotTrusted = 10;
    public const int PlatformNotProvisioned = 11;
    public const int TokenNotProvisioned = 12;
    public const int TokenUnreachable = 13;
    public const int ProtocolError = 14;
    public const int FtsFailed = 15;
    /// <summary>A --timeout expired before the command's goal was reached (as timeout(1)).</summary>
    public const int TimedOut = 124;
    /// <summary>Stopped by SIGINT (Ctrl-C) or SIGTERM (128 + SIGINT, as a shell reports it).</summary>
    public const int Interrupted = 130;
}
