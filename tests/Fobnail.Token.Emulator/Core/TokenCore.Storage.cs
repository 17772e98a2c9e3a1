using Fobnail.Protocol;
using Fobnail.Token.Emulator.Storage;

namespace Fobnail.Token.Emulator.Core;

/// <summary>Fobnail Token Services file storage (spec §5.6; firmware server/fts/storage.rs).</summary>
public sealed partial class TokenCore
{
    private TokenResponse Storage(RequestContext ctx)
    {
        if (ctx.Rest.Count != 1) throw TokenError.NotFound();
        byte[] platform = ctx.Client.Platform ?? throw TokenError.NotFound();
        TokenMethod method = ctx.Request.Method;
        if (method is not (TokenMethod.Get or TokenMethod.Put or TokenMethod.Delete)) throw TokenError.MethodNotAllowed();
        VerifyAccept(ctx, ContentFormats.OctetStream);

        string name = ctx.Rest[0];
        _log.Information("{Endpoint}: {Op} {Name}", ctx.Endpoint,
            method == TokenMethod.Get ? "READ" : method == TokenMethod.Put ? "WRITE" : "DELETE", name);
        if (name is "" or "." or ".." || name.Contains('/') || name.Contains('\0'))
        {
            _log.Error("Path sanitization failed");
            return method switch
            {
                TokenMethod.Get => throw TokenError.NotFound(),     // such a file cannot exist
                TokenMethod.Put => throw TokenError.Forbidden(),    // refuse to create it
                _ => Success(ctx),                                  // DELETE of a non-existent file: 2.02
            };
        }

        // As the firmware (fobnail src/server/fts/storage.rs:44, :79, :110): existence is decided by trussed's
        // RECURSIVE locate_file, the read/write/remove by the top-level path. A name like "aik" so finds the
        // platform's meta/<id>_aik: GET then fails to read (5.00), PUT "overwrites" (2.04), DELETE removes the
        // top-level file if there is one (2.02) and otherwise fails (5.00).
        string path = FlashStore.FtsPath(platform, name);
        try
        {
            bool located = _flash.Locate(path);
            switch (method)
            {
                case TokenMethod.Get:
                    if (!located) throw TokenError.NotFound();
                    return Success(ctx, _flash.ReadFile(path) ?? throw TokenError.Internal());
                case TokenMethod.Put:
                    AssertContentFormat(ctx, ContentFormats.OctetStream);
                    byte[] data = ctx.Request.Payload;
                    if (data.Length > FlashStore.MaxFileLength) throw TokenError.Internal("File is too big");
                    _flash.WriteFile(path, data);
                    return Success(ctx, code: located ? ResponseCode.Changed : null);
                default:
                    if (located && !_flash.DeleteFile(path)) throw TokenError.Internal();
                    return Success(ctx);
            }
        }
        catch (IOException e)
        {
            _log.Error("Storage error on {Name}: {Error}", name, e.Message);
            throw TokenError.Internal();
        }
    }
}
