using Fobnail.Token.Emulator.Clients;
using Fobnail.Token.Emulator.Crypto;

namespace Fobnail.Token.Emulator.Tests;

/// <summary>Deterministic token RNG for reproducible tests.</summary>
public sealed class SeededRandom(int seed) : ITokenRandom
{
    private readonly Random _r = new(seed);

    public void Fill(Span<byte> destination) => _r.NextBytes(destination);
}

/// <summary>A clock the test moves by hand.</summary>
public sealed class FakeClock : ITokenClock
{
    public TimeSpan Now { get; set; } = TimeSpan.FromSeconds(100);

    public void Advance(TimeSpan by) => Now += by;
}
