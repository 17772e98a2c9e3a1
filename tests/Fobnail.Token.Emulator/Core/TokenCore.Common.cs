using System.Buffers.Binary;
using System.Globalization;
using Fobnail.Protocol;
using Fobnail.Token.Emulator.Crypto;

namespace Fobnail.Token.Emulator.Core;

public sealed partial class TokenCore
{
    /// <summary>
    /// assert_content_format: a missing option counts as 42 (octet-stream); any mismatch is 4.00.
    /// </summary>
    private static void AssertContentFormat(RequestContext ctx, ushort expected)
    {
        ushort actual = ctx.Request.ContentFormat ?? ContentFormats.OctetStream;
        if (actual != expected) throw TokenError.BadRequest("Unsupported Content-Format for this request");
    }

    /// <summary>
    /// verify_response_content_format, bug included (spec §3.4): only Accept values exactly 4 bytes long are
    /// understood (as a big-endian u32); if an Accept option is present and none matched, 4.06.
    /// </summary>
    private static void VerifyAccept(RequestContext ctx, ushort expected)
    {
        if (ctx.Request.Accept.Count == 0) return;
        foreach (byte[] value in ctx.Request.Accept)
            if (value.Length == 4 && BinaryPrimitives.ReadUInt32BigEndian(value) == expected) return;
        throw new TokenError(ResponseCode.NotAcceptable, "Not acceptable");
    }

    /// <summary>decode_cbor_req: Content-Format 60, then strict CBOR, else 4.00 "CBOR decode failed".</summary>
    private T DecodeCbor<T>(RequestContext ctx, Func<ReadOnlyMemory<byte>, T> decode)
    {
        AssertContentFormat(ctx, ContentFormats.Cbor);
        try
        {
            return decode(ctx.Request.Payload);
        }
        catch (ProtocolDecodeException e)
        {
            _log.Error("CBOR request deserialization failed: {Error}", e.Message);
            throw TokenError.BadRequest("CBOR decode failed");
        }
    }

    /// <summary>
    /// decode_signed_cbor_req: Content-Format 60, outer signed object, RSASSA signature over data ‖ nonce, then
    /// the inner object. Every failure, including a bad signature, is 4.00 "CBOR decode failed" (spec §10 #2).
    /// </summary>
    private (T Value, byte[] Raw) DecodeSigned<T>(RequestContext ctx, AikPublicKey key, byte[] nonce,
        Func<ReadOnlyMemory<byte>, T> decodeInner)
    {
        AssertContentFormat(ctx, ContentFormats.Cbor);
        try
        {
            byte[]? data = SignedObjectVerifier.VerifyAndGetData(ctx.Request.Payload, key, nonce);
            if (data == null)
            {
                _log.Error("Signature verification failed");
                throw TokenError.BadRequest("CBOR decode failed");
            }
            return (decodeInner(data), data);
        }
        catch (ProtocolDecodeException e)
        {
            _log.Error("Signed object decode failed: {Error}", e.Message);
            throw TokenError.BadRequest("CBOR decode failed");
        }
    }

    /// <summary>create_response: GET → 2.05 with Max-Age 0, POST/PUT → 2.01, DELETE → 2.02; no Content-Format.</summary>
    private static TokenResponse Success(RequestContext ctx, byte[]? payload = null, byte? code = null)
    {
        TokenMethod m = ctx.Request.Method;
        byte defaultCode = m switch
        {
            TokenMethod.Get => ResponseCode.Content,
            TokenMethod.Delete => ResponseCode.Deleted,
            _ => ResponseCode.Created,
        };
        return new TokenResponse(code ?? defaultCode, null, m == TokenMethod.Get, null, payload ?? []);
    }

    /// <summary>create_object: a random u32 id, returned as a decimal Location-Path.</summary>
    private TokenResponse CreateObject<T>(RequestContext ctx, Dictionary<uint, T> map, T obj)
    {
        uint id;
        // The firmware asserts (panics) on an id collision; the emulator draws again.
        do id = _random.NextU32(); while (map.ContainsKey(id));
        map[id] = obj;
        return Success(ctx) with { LocationPath = id.ToString(CultureInfo.InvariantCulture) };
    }

    /// <summary>Object ids in Uri-Path: what Rust's str::parse::&lt;u32&gt; accepts (digits, optional '+').</summary>
    private static bool TryParseId(string segment, out uint id) =>
        uint.TryParse(segment, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out id) && !segment.StartsWith('-');

    private static void RequireNoRest(RequestContext ctx)
    {
        if (ctx.Rest.Count != 0) throw TokenError.NotFound();
    }
}
