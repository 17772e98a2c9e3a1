namespace Fobnail.Protocol.Tests.Support;

internal static class Hex
{
    /// <summary>Parses hex with optional spaces, e.g. "A1 68 76657273696F6E73 81 01".</summary>
    public static byte[] Parse(string hex) => Convert.FromHexString(hex.Replace(" ", "").Replace("\n", ""));

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);
}
