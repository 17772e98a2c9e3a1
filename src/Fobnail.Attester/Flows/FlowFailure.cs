using Fobnail.Attester.Session;
using Fobnail.Tpm;
using Fobnail.Coap;
using Fobnail.Protocol;

namespace Fobnail.Attester.Flows;

/// <summary>
/// How a flow classifies an exception into its typed outcome: the token unreachable, or a protocol/TPM error with
/// the CoAP code and diagnostic when there was a response. Anything else (cancellation, bugs) is not classified.
/// </summary>
internal sealed record FlowFailure(bool Unreachable, string Detail, CoapCode? Code = null, string? Diagnostic = null)
{
    public static FlowFailure? From(Exception e) => e switch
    {
        TokenUnreachableException u => new(true, u.Message),
        TokenProtocolException p => new(false, p.Message, p.Code, p.Diagnostic),
        ProtocolDecodeException d => new(false, $"undecodable token answer: {d.Message}"),
        TpmException t => new(false, $"TPM: {t.Message}"),
        CoapException c => new(false, $"CoAP: {c.Message}"),
        _ => null,
    };
}
