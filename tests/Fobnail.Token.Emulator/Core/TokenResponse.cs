using System.Text;

namespace Fobnail.Token.Emulator.Core;

/// <summary>
/// The token's response, with exactly the options the firmware sets: Content-Format only where it sets one,
/// Max-Age 0 (an empty option value) on successful GETs, Location-Path with a new object's decimal id.
/// </summary>
public sealed record TokenResponse(byte Code, ushort? ContentFormat, bool MaxAgeZero, string? LocationPath, byte[] Payload)
{
    public string PayloadText => Encoding.UTF8.GetString(Payload);

    public override string ToString() =>
        $"{ResponseCode.Format(Code)} cf={ContentFormat?.ToString() ?? "-"} maxAge0={MaxAgeZero} loc={LocationPath ?? "-"} {Payload.Length} B";
}
