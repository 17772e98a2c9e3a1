using Org.BouncyCastle.Crypto;

namespace Fobnail.Token.Emulator.Crypto;

/// <summary>A finished signature for BouncyCastle's builders.</summary>
internal sealed class SimpleBlockResult(byte[] value) : IBlockResult
{
    public byte[] Collect() => (byte[])value.Clone();

    public int Collect(byte[] destination, int offset)
    {
        value.CopyTo(destination, offset);
        return value.Length;
    }
}
