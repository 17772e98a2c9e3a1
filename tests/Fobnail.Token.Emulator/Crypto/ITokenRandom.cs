namespace Fobnail.Token.Emulator.Crypto;

/// <summary>The token's RNG (Trussed random_bytes on the real device). Injectable so tests can be deterministic.</summary>
public interface ITokenRandom
{
    void Fill(Span<byte> destination);
}

public static class TokenRandomExtensions
{
    public static byte[] Bytes(this ITokenRandom random, int count)
    {
        var b = new byte[count];
        random.Fill(b);
        return b;
    }

    public static uint NextU32(this ITokenRandom random)
    {
        Span<byte> b = stackalloc byte[4];
        random.Fill(b);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(b);
    }
}
