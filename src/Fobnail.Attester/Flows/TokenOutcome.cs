using Fobnail.Coap;

namespace Fobnail.Attester.Flows;

/// <summary>
/// The one outcome family of the token flows: what happened (the kind of the derived outcome), the CoAP code and
/// diagnostic text of the deciding response when there is one, and how long it took. /init's kexec gate sees an
/// attestation outcome through its pass/fail verdict (Fobnail.Kexec.AttestationVerdict), made from
/// <see cref="IsPassed"/> and <see cref="Summary"/> in one place (the attest step).
/// </summary>
public abstract record TokenOutcome(string Detail, CoapCode? Code, string? Diagnostic)
{
    public TimeSpan Elapsed { get; init; }

    /// <summary>True only for the outcome a caller may go on with (Trusted; platform provisioned).</summary>
    public abstract bool IsPassed { get; }

    /// <summary>One line for the console and the log.</summary>
    public abstract string Summary { get; }

    /// <summary>" 4.00 \"diagnostic\"" when there was a response, else empty.</summary>
    private protected string CodeText => Code is { } c ? $" {c}" + (Diagnostic is { } d ? $" \"{d}\"" : "") : "";
}
