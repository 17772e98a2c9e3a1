using Fobnail.Tpm;
using Fobnail.Protocol;

namespace Fobnail.Attester.Platform;

/// <summary>
/// The platform's metadata (§6.1), its exact encoding (§6.3: definite map, keys in the reference order, minimal
/// encodings) and the Platform ID = SHA-256 of those bytes, which names the token's files for this platform.
/// </summary>
public sealed class PlatformIdentity
{
    public PlatformIdentity(Metadata metadata)
    {
        Metadata = metadata;
        Bytes = metadata.Encode();
        if (Bytes.Length > ProtocolLimits.MaxMetadata)
            throw new PlatformMetadataException($"metadata is {Bytes.Length} bytes; the token hashes at most {ProtocolLimits.MaxMetadata} (it would panic, §6.3)");
        // BouncyCastle SHA-256 (TpmHash): the .NET crypto classes need OpenSSL, which the initramfs does not have.
        Id = TpmHash.Sha256(Bytes);
    }

    public Metadata Metadata { get; }

    /// <summary>The metadata CBOR sent at provisioning and attestation (must be identical both times).</summary>
    public byte[] Bytes { get; }

    /// <summary>SHA-256 of <see cref="Bytes"/>.</summary>
    public byte[] Id { get; }

    /// <summary>Lowercase hex of <see cref="Id"/>, as the token names its files (§5.4f).</summary>
    public string IdHex => Convert.ToHexStringLower(Id);

    public override string ToString() =>
        $"manufacturer=\"{Metadata.Manufacturer}\" product_name=\"{Metadata.ProductName}\" serial_number=\"{Metadata.SerialNumber}\" " +
        $"mac={string.Join(':', Metadata.Mac.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)))} id={IdHex}";

    /// <summary>
    /// Collects the metadata: SMBIOS type 1 from <paramref name="dmiDirectory"/>, the primary PCI NIC's MAC under
    /// <paramref name="sysfsRoot"/>, with <paramref name="overrides"/> winning field by field. Sources that the
    /// overrides make unnecessary are not read (a guest without DMI tables can still attest).
    /// </summary>
    public static PlatformIdentity Collect(MetadataOverrides? overrides = null, string dmiDirectory = SmbiosTable.DefaultDirectory, string sysfsRoot = "/sys")
    {
        overrides ??= MetadataOverrides.None;
        SmbiosSystemInformation? smbios = null;
        if (!overrides.SmbiosComplete)
        {
            smbios = SmbiosTable.Read(dmiDirectory)
                ?? throw new PlatformMetadataException($"no SMBIOS type 1 (System Information) structure in {dmiDirectory}; give the strings explicitly");
        }
        byte[]? mac = overrides.Mac;
        if (mac is null)
        {
            PrimaryNicChoice nic = PrimaryNic.Find(sysfsRoot)
                ?? throw new PlatformMetadataException($"no PCI network interface under {sysfsRoot}/class/net; give the mac explicitly");
            mac = nic.Mac;
        }
        return new PlatformIdentity(new Metadata(Metadata.CurrentVersion, mac,
            overrides.Manufacturer ?? smbios!.Manufacturer,
            overrides.ProductName ?? smbios!.ProductName,
            overrides.SerialNumber ?? smbios!.SerialNumber));
    }
}
