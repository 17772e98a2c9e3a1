using System.Net;
using Fobnail.Attester.Platform;
using Fobnail.Attester.Session;

namespace Fobnail.Attester.Flows;

/// <summary>What <see cref="TokenAttester"/> needs: where the token is, whether to provision first, and where metadata comes from.</summary>
public sealed record AttesterSettings
{
    public IPEndPoint Token { get; init; } = TokenSession.ParseEndPoint(TokenSessionOptions.DefaultToken);

    /// <summary>
    /// The token interface's own address to send from (null = let routing choose). The firmware cannot route an
    /// answer to a source outside 169.254/16 and panics (its UDP send fails: fobnail src/udp.rs:192-197, panic on a failed send_to), so /init, which
    /// configured that address itself, binds to it.
    /// </summary>
    public IPAddress? LocalAddress { get; init; }

    /// <summary>Run platform provisioning (§5.4) before attesting; "already provisioned" is not an error.</summary>
    public bool Provision { get; init; }

    /// <summary>Directory of the EK certificate's issuer chain below the root (DER or PEM files); null = EK certificate alone.</summary>
    public string? EkChainDirectory { get; init; }

    /// <summary>Explicit metadata fields, winning over SMBIOS and the NIC.</summary>
    public MetadataOverrides Metadata { get; init; } = MetadataOverrides.None;

    public string DmiDirectory { get; init; } = SmbiosTable.DefaultDirectory;

    public string SysfsRoot { get; init; } = "/sys";

    /// <summary>Create the EK/AIK when missing (provisioning only; attestation needs the provisioned AIK).</summary>
    public bool AllowCreateKeys { get; init; } = true;

    public TokenSessionOptions Session { get; init; } = new();
}
