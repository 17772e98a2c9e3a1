namespace Fobnail.Token.Emulator.Core;

/// <summary>
/// A complete (block-wise reassembled) request as the token's handlers see it. <see cref="Accept"/> holds the raw
/// option values, because the firmware only understands 4-byte ones (spec §3.4).
/// </summary>
public sealed record TokenRequest(
    TokenMethod Method,
    IReadOnlyList<string> UriPath,
    ushort? ContentFormat,
    IReadOnlyList<byte[]> Accept,
    byte[] Payload)
{
    public static TokenRequest Get(params string[] path) => new(TokenMethod.Get, path, null, [], []);

    public static TokenRequest Post(byte[] payload, ushort? contentFormat, params string[] path) =>
        new(TokenMethod.Post, path, contentFormat, [], payload);

    /// <summary>Splits "/a/b/c" into Uri-Path segments.</summary>
    public static string[] Path(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);
}
