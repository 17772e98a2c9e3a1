namespace Fobnail.Token.Emulator.Led;

/// <summary>The firmware's LED commands (pal led::LedState) and what the real LEDs show (DOCS blink-codes).</summary>
public enum LedState
{
    /// <summary>Red solid.</summary>
    TokenNotProvisioned,
    /// <summary>Both LEDs blink 100 ms about every 5 s.</summary>
    TokenWaiting,
    /// <summary>Blink sequence after the token certificate is stored.</summary>
    TokenProvisioningComplete,
    /// <summary>Green blinks (4 pulses in the code; the docs say 3).</summary>
    PlatformProvisioningOk,
    /// <summary>Green solid while an attested client is connected.</summary>
    AttestationOk,
    /// <summary>Red for 5 s, then waiting.</summary>
    AttestationFailed,
}
