using Fobnail.Protocol;

namespace Fobnail.Token.Emulator.Core;

/// <summary>
/// A handler's error answer (the firmware's CoapError): the code and its text/plain diagnostic. Thrown inside
/// <see cref="TokenCore"/> only and always turned into a response there.
/// </summary>
internal sealed class TokenError(byte code, string text) : Exception(text)
{
    public byte Code { get; } = code;

    public static TokenError NotFound() => new(ResponseCode.NotFound, "Not found");
    public static TokenError Forbidden() => new(ResponseCode.Forbidden, "Forbidden");
    public static TokenError MethodNotAllowed() => new(ResponseCode.MethodNotAllowed, "Method not allowed");
    public static TokenError BadRequest(string text) => new(ResponseCode.BadRequest, text);
    public static TokenError Internal(string text = "Internal error") => new(ResponseCode.InternalServerError, text);

    public TokenResponse ToResponse() =>
        new(Code, ContentFormats.TextPlain, false, null, System.Text.Encoding.UTF8.GetBytes(Message));
}
