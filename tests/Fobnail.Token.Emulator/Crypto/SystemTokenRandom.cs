using System.Security.Cryptography;

namespace Fobnail.Token.Emulator.Crypto;

/// <summary>Cryptographically secure randomness from the OS, for the running emulator.</summary>
public sealed class SystemTokenRandom : ITokenRandom
{
    public static readonly SystemTokenRandom Instance = new();

    public void Fill(Span<byte> destination) => RandomNumberGenerator.Fill(destination);
}
