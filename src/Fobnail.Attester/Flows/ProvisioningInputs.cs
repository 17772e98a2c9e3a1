using Fobnail.Attester.Platform;
using Fobnail.Tpm;
using Fobnail.Protocol;
using Serilog;

namespace Fobnail.Attester.Flows;

/// <summary>
/// Everything provisioning sends that the TPM can produce ahead of time, gathered BEFORE the first CoAP request
/// (§3.6: the token purges an idle client after 3 s, so slow TPM work goes first): the EK certificate chain,
/// the AIK's TPM2B_PUBLIC and the RIM.
/// </summary>
public sealed record ProvisioningInputs(PlatformIdentity Platform, IReadOnlyList<byte[]> EkChain, byte[] AikPublic, byte[] RimBytes)
{
    /// <summary>
    /// Starts the TPM, ensures EK 0x8100F0BE and AIK 0x8100F0BA (created when <paramref name="allowCreateKeys"/>),
    /// reads the EK certificate (NV 0x01C00002) and builds the chain below the root from
    /// <paramref name="ekChainDirectory"/> (no network in an initramfs; §7.1), reads all PCR banks for the RIM.
    /// </summary>
    public static ProvisioningInputs Prepare(ITpmTransport transport, PlatformIdentity platform, string? ekChainDirectory, bool allowCreateKeys, ILogger? log = null)
    {
        log ??= Serilog.Core.Logger.None;
        new Startup().Execute(transport);
        var keys = new TpmAttestationKeys(transport, log);
        TpmKey ek = keys.EnsureEk(allowCreateKeys);
        TpmKey aik = keys.EnsureAik(allowCreateKeys);
        byte[] ekCert = TpmEkCertificate.Read(transport);
        if (!TpmEkCertificate.Certifies(ekCert, ek.Public.PublicArea))
            throw new TpmException("the EK certificate at NV 0x01C00002 does not certify the EK at 0x8100F0BE (different modulus)");
        IReadOnlyList<byte[]> chain = TpmEkCertificateChain.Build(ekCert, ekChainDirectory);
        if (chain.Count > ProtocolLimits.EkChainMaxCerts)
            throw new TpmException($"the EK chain below the root has {chain.Count} certificates; the token accepts {ProtocolLimits.EkChainMinCerts}-{ProtocolLimits.EkChainMaxCerts}");
        foreach (byte[] cert in chain)
            if (EkCertChain.TbsCertificateLength(cert) is > ProtocolLimits.MaxTbsCertificate and int tbs)
                throw new TpmException($"a certificate of the EK chain has a {tbs}-byte TBSCertificate; the token hashes it in one " +
                    $"{ProtocolLimits.MaxTbsCertificate}-byte message and would panic, so it is not sent");
        (Rim rim, byte[] rimBytes) = RimBuilder.Read(transport);
        log.Debug("provisioning inputs: EK chain of {Count} certificates, AIK public {AikBytes} bytes, RIM {Banks} banks / {RimBytes} bytes",
            chain.Count, aik.Public.Bytes.Length, rim.Banks.Count, rimBytes.Length);
        return new ProvisioningInputs(platform, chain, aik.Public.Bytes, rimBytes);
    }
}
