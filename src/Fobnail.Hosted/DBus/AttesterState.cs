namespace Fobnail.Hosted.DBus;

/// <summary>The properties of org.fobnail.Attester1 at one moment (immutable; swapped whole on change).</summary>
public sealed record AttesterState(bool TokenPresent, string LastVerdict, ulong LastVerdictTime, string PlatformId)
{
    public static AttesterState Initial { get; } = new(false, VerdictNames.None, 0, "");

    /// <summary>D-Bus time: microseconds since the Unix epoch, like systemd's timestamp properties.</summary>
    public static ulong ToMicroseconds(DateTimeOffset time) => (ulong)Math.Max(0, (time - DateTimeOffset.UnixEpoch).Ticks / 10);
}

/// <summary>The answer of AttestNow: the verdict name and its one-line detail.</summary>
public sealed record AttestNowResult(string Verdict, string Detail);

/// <summary>AttestNow refused before any attestation ran (mapped to a D-Bus error reply).</summary>
public sealed class AttestNowRefusedException(string errorName, string message) : Exception(message)
{
    public string ErrorName { get; } = errorName;
}
