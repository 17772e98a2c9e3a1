using Fobnail.Coap;
using Fobnail.Protocol;

namespace Fobnail.Attester.Session;

/// <summary>The token answered something the protocol does not allow at this step (code and diagnostic kept).</summary>
public sealed class TokenProtocolException : Exception
{
    public TokenProtocolException(string path, CoapMessage response, string expectation)
        : base($"{path}: {expectation}, got {response.Code}{DiagnosticSuffix(response)}")
    {
        Path = path;
        Code = response.Code;
        Diagnostic = DiagnosticOf(response);
    }

    public TokenProtocolException(string path, string message) : base($"{path}: {message}")
    {
        Path = path;
    }

    public string Path { get; }

    public CoapCode? Code { get; }

    public string? Diagnostic { get; }

    /// <summary>Throws unless the response has one of <paramref name="codes"/>.</summary>
    public static void Expect(CoapMessage response, string path, params CoapCode[] codes)
    {
        if (!codes.Contains(response.Code))
            throw new TokenProtocolException(path, response, $"expected {string.Join(" or ", codes)}");
    }

    /// <summary>The text/plain diagnostic payload of an error response (§3.3), escaped for the log (<see cref="PeerText"/>) and bounded.</summary>
    public static string? DiagnosticOf(CoapMessage response)
    {
        if (response.Code.IsSuccess || response.Payload.Length == 0)
            return null;
        return PeerText.Escape(response.Payload);
    }

    private static string DiagnosticSuffix(CoapMessage response) =>
        DiagnosticOf(response) is { } d ? $" \"{d}\"" : "";
}
