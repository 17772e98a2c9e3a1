using System.Net;

namespace Fobnail.Coap;

/// <summary>Everything a handler needs to answer one (reassembled) request.</summary>
public sealed class CoapRequestContext
{
    internal CoapRequestContext(CoapMessage message, IPEndPoint remote, IReadOnlyList<string> path, int matchedSegments, byte[] payload)
    {
        Message = message;
        RemoteEndPoint = remote;
        Path = path;
        Leftover = path.Skip(matchedSegments).ToArray();
        Payload = payload;
    }

    /// <summary>The last datagram of the request (for Block1 uploads, the final block).</summary>
    public CoapMessage Message { get; }

    public IPEndPoint RemoteEndPoint { get; }

    public CoapCode Method => Message.Code;

    public CoapType Type => Message.Type;

    public ushort MessageId => Message.MessageId;

    public byte[] Token => Message.Token;

    /// <summary>All Uri-Path segments.</summary>
    public IReadOnlyList<string> Path { get; }

    /// <summary>Segments after the matched route prefix (e.g. ["123","meta"] for route /api/v1/admin/provision).</summary>
    public IReadOnlyList<string> Leftover { get; }

    public IReadOnlyList<CoapOption> Options => Message.Options;

    /// <summary>The whole request body (Block1 blocks joined).</summary>
    public byte[] Payload { get; }

    /// <summary>
    /// Content-Format of the request, or null if absent. A value longer than 4 bytes is not a valid uint
    /// (RFC 7252 §3.2); Content-Format is elective, so such an instance is ignored (§5.4.1), i.e. null.
    /// </summary>
    public uint? ContentFormat
    {
        get
        {
            try { return Message.ContentFormat; }
            catch (CoapFormatException) { return null; }
        }
    }

    /// <summary>Raw values of all Accept options (the token's 4-byte quirk needs the raw lengths, §3.4).</summary>
    public IReadOnlyList<byte[]> AcceptValues => Message.GetOptions(CoapOptionNumber.Accept).Select(o => o.Value).ToArray();
}
