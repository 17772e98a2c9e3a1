using Fobnail.Token.Emulator.Tpm;

namespace Fobnail.Token.Emulator.Clients;

/// <summary>Provisioning Context: the activated AIK and the metadata/RIM uploaded so far (raw inner CBOR).</summary>
public sealed class ProvisioningContext(AikPublic aik)
{
    public AikPublic Aik { get; } = aik;
    public byte[]? Metadata { get; set; }
    public byte[]? Rim { get; set; }
}
