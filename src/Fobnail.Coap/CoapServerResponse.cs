using System.Text;

namespace Fobnail.Coap;

/// <summary>A handler's answer: code, options and the whole payload (the server slices it into Block2 blocks).</summary>
public sealed class CoapServerResponse
{
    public CoapServerResponse(CoapCode code, byte[]? payload = null)
    {
        Code = code;
        Payload = payload ?? [];
    }

    public CoapCode Code { get; }

    public byte[] Payload { get; }

    public List<CoapOption> Options { get; } = [];

    public CoapServerResponse With(CoapOption option)
    {
        Options.Add(option);
        return this;
    }

    public CoapServerResponse WithContentFormat(uint format) => With(CoapOption.UInt(CoapOptionNumber.ContentFormat, format));

    public CoapServerResponse WithMaxAge(uint seconds) => With(CoapOption.UInt(CoapOptionNumber.MaxAge, seconds));

    /// <summary>One Location-Path option per segment.</summary>
    public CoapServerResponse WithLocationPath(params string[] segments)
    {
        foreach (var s in segments) Options.Add(CoapOption.String(CoapOptionNumber.LocationPath, s));
        return this;
    }

    /// <summary>
    /// An error answer as coap-lite builds it (protocol §3.3): the code, Content-Format 0 (text/plain;
    /// charset=utf-8, an empty option value) and a UTF-8 diagnostic payload.
    /// </summary>
    public static CoapServerResponse Text(CoapCode code, string text) =>
        new CoapServerResponse(code, Encoding.UTF8.GetBytes(text)).WithContentFormat(0);
}
