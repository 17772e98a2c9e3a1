namespace Fobnail.Coap;

/// <summary>What <see cref="CoapClient.SendAsync"/> sends: method, Uri-Path, payload and extra options.</summary>
public sealed class CoapRequest
{
    public CoapRequest(CoapCode method, string path)
    {
        if (!method.IsRequest) throw new ArgumentException($"{method} is not a request method", nameof(method));
        Method = method;
        Path = path;
    }

    public CoapCode Method { get; }

    /// <summary>"/api/v1/attest": each non-empty segment becomes one Uri-Path option.</summary>
    public string Path { get; }

    public byte[] Payload { get; init; } = [];

    /// <summary>Content-Format of the payload; null = no option.</summary>
    public uint? ContentFormat { get; init; }

    /// <summary>Accept; null (default) = no option: the token answers any normally-encoded Accept with 4.06 (§3.4).</summary>
    public uint? Accept { get; init; }

    /// <summary>CON (default) or NON.</summary>
    public bool Confirmable { get; init; } = true;

    /// <summary>Further options copied into every message of the request (e.g. Uri-Query).</summary>
    public IReadOnlyList<CoapOption> Options { get; init; } = [];
}
