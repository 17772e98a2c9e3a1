using System.Diagnostics;

namespace Fobnail.Token.Emulator.Clients;

/// <summary>Monotonic time (embassy Instant on the token). Injectable so idle-purge tests need not sleep.</summary>
public interface ITokenClock
{
    TimeSpan Now { get; }
}

public sealed class SystemTokenClock : ITokenClock
{
    private readonly Stopwatch _sw = Stopwatch.StartNew();

    public TimeSpan Now => _sw.Elapsed;
}
