using Fobnail.Protocol;
using Fobnail.Token.Emulator.Crypto;

namespace Fobnail.Token.Emulator.Core;

public sealed partial class TokenCore
{
    public const int NonceSize = 32;

    /// <summary>GET /api/version → 2.05 {"versions":[1]} (no Content-Format, Max-Age 0).</summary>
    private static TokenResponse GetApiVersion(RequestContext ctx)
    {
        RequireNoRest(ctx);
        return Success(ctx, new VersionResponse([1u]).Encode());
    }

    /// <summary>GET /api/v1/nonce → 32 raw random bytes, replacing the client's single stored nonce.</summary>
    private TokenResponse GenerateNonce(RequestContext ctx)
    {
        RequireNoRest(ctx);
        byte[] nonce = _random.Bytes(NonceSize);
        ctx.Client.Nonce = nonce;
        return Success(ctx, (byte[])nonce.Clone());
    }
}
