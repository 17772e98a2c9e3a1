using Fobnail.Token.Emulator.Certificates;
using Fobnail.Token.Emulator.Tpm;

namespace Fobnail.Token.Emulator.Clients;

/// <summary>An uploaded AIK with the MakeCredential secret it must prove, bound to the EK it was made for.</summary>
public sealed record AikObject(AikPublic Aik, byte[] Secret, uint EkId);

/// <summary>Provisioning Context: the activated AIK and the metadata/RIM uploaded so far (raw inner CBOR).</summary>
public sealed class ProvisioningContext(AikPublic aik)
{
    public AikPublic Aik { get; } = aik;
    public byte[]? Metadata { get; set; }
    public byte[]? Rim { get; set; }
}

/// <summary>Attestation Context: what /attest/{ac} checks the quote against.</summary>
public sealed record AttestationContext(byte[] Rim, byte[] QuoteNonce, Protocol.AikPublicKey Aik, byte[] MetadataHash);

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
