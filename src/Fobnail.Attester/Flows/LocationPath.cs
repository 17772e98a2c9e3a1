using Fobnail.Attester.Session;
using Fobnail.Coap;
using Fobnail.Protocol;

namespace Fobnail.Attester.Flows;

/// <summary>Object ids come back as ONE Location-Path option holding the decimal u32 (§3.7).</summary>
internal static class LocationPath
{
    public static uint ObjectId(CoapMessage response, string path)
    {
        IReadOnlyList<string> segments = response.LocationPath;
        if (segments.Count != 1 || !FobnailPaths.TryParseObjectId(segments[0], out uint id))
            throw new TokenProtocolException(path, $"{response.Code} without a single decimal Location-Path object id (got [{PeerText.Escape(string.Join('/', segments))}])");
        return id;
    }
}
