using Fobnail.Token.Emulator.Certificates;

namespace Fobnail.Token.Emulator.Clients;

/// <summary>Everything the token keeps in RAM for one client endpoint (firmware struct Client).</summary>
public sealed class ClientState
{
    public byte[]? Nonce { get; set; }
    public Dictionary<uint, TokenCertificate> EkCertificates { get; } = [];
    public Dictionary<uint, AikObject> AikKeys { get; } = [];
    public Dictionary<uint, ProvisioningContext> ProvisioningContexts { get; } = [];
    public Dictionary<uint, AttestationContext> AttestationContexts { get; } = [];
    /// <summary>SHA-256 of the attested platform's metadata: grants FTS access. Null until attested.</summary>
    public byte[]? Platform { get; set; }
}
