using Fobnail.Attester.Session;
using Fobnail.Tpm;
using Fobnail.Coap;
using Fobnail.Protocol;

namespace Fobnail.Attester.Flows;

/// <summary>
/// GET a fresh nonce, sign <c>data ‖ nonce</c> with the AIK (RSASSA-SHA256, §5.0, §7.5) and POST the signed
/// object. The nonce is consumed by the POST whatever its result (§5.2), so this pair is never split.
/// </summary>
internal static class SignedUpload
{
    public static async Task<CoapMessage> PostAsync(TokenSession session, TpmAttestationKeys keys, string path, byte[] data, CancellationToken ct)
    {
        byte[] nonce = await session.GetNonceAsync(ct).ConfigureAwait(false);
        byte[] signature = keys.SignMessage([.. data, .. nonce]);
        return await session.PostCborAsync(path, new SignedObject(data, signature).Encode(), ct).ConfigureAwait(false);
    }
}
