using Fobnail.Attester.Session;
using Fobnail.Tpm;
using Fobnail.Coap;
using Fobnail.Protocol;
using Serilog;

namespace Fobnail.Attester.Flows;

/// <summary>
/// GET a fresh nonce, sign <c>data ‖ nonce</c> with the AIK (RSASSA-SHA256, §5.0, §7.5) and POST the signed
/// object. The nonce is consumed by the POST whatever its result (§5.2), so this pair is never split.
/// </summary>
internal static class SignedUpload
{
    public static async Task<CoapMessage> PostAsync(TokenSession session, TpmAttestationKeys keys, ILogger log, string path, byte[] data, CancellationToken ct)
    {
        CoapMessage r = await PostOnceAsync(session, keys, path, data, ct).ConfigureAwait(false);
        if (r.Code != CoapCode.BadRequest) return r;
        // The token keeps one nonce per client and has no duplicate detection: when the answer to our nonce GET
        // came late, our retransmission made it draw another nonce, so the one we signed is stale and the
        // signature fails as 4.00. Every request consumes the nonce anyway, so one retry with a fresh one is safe.
        log.Warning("{Path} answered 4.00 ({Diagnostic}): the nonce may have been replaced by a retransmitted request; retrying once with a fresh nonce",
            path, TokenProtocolException.DiagnosticOf(r));
        return await PostOnceAsync(session, keys, path, data, ct).ConfigureAwait(false);
    }

    private static async Task<CoapMessage> PostOnceAsync(TokenSession session, TpmAttestationKeys keys, string path, byte[] data, CancellationToken ct)
    {
        byte[] nonce = await session.GetNonceAsync(ct).ConfigureAwait(false);
        byte[] signature = keys.SignMessage([.. data, .. nonce]);
        return await session.PostCborAsync(path, new SignedObject(data, signature).Encode(), ct).ConfigureAwait(false);
    }
}
