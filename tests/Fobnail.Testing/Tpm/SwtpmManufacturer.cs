using Fobnail.Testing.Processes;

namespace Fobnail.Testing.Tpm;

/// <summary>
/// Manufactures a TPM 2.0 state the way a vendor would: `swtpm_setup --tpm2 --create-ek-cert` with an EK
/// certificate (NV 0x01C00002) signed by a private swtpm-localca whose CA lives in <c>caDir</c>, so tests never
/// touch /var/lib/swtpm-localca (other runs regenerate it). Shared by every test project that needs a
/// real TPM engine; the CA directory then holds swtpm-localca-rootca-cert.pem (root) and issuercert.pem.
/// </summary>
public static class SwtpmManufacturer
{
    /// <param name="activePcrBanks">swtpm_setup's active_pcr_banks (e.g. "sha1,sha256"); null keeps its default.</param>
    public static void Manufacture(string workDir, string stateDir, string caDir, string platformModel, string? activePcrBanks)
    {
        Directory.CreateDirectory(stateDir);
        Directory.CreateDirectory(caDir);
        string localcaConf = Path.Combine(workDir, "swtpm-localca.conf");
        string localcaOptions = Path.Combine(workDir, "swtpm-localca.options");
        string setupConf = Path.Combine(workDir, "swtpm_setup.conf");
        File.WriteAllText(localcaConf,
            $"statedir = {caDir}\nsigningkey = {caDir}/signkey.pem\nissuercert = {caDir}/issuercert.pem\ncertserial = {caDir}/certserial\n");
        File.WriteAllText(localcaOptions,
            $"--platform-manufacturer Fobnail\n--platform-version 2.1\n--platform-model {platformModel}\n");
        File.WriteAllText(setupConf,
            $"create_certs_tool = /usr/bin/swtpm_localca\ncreate_certs_tool_config = {localcaConf}\n" +
            $"create_certs_tool_options = {localcaOptions}\n" +
            (activePcrBanks is null ? "" : $"active_pcr_banks = {activePcrBanks}\n"));

        string[] args = ["--tpm2", "--tpmstate", stateDir, "--config", setupConf, "--create-ek-cert", "--overwrite"];
        Command.Run("swtpm_setup", args).EnsureSuccess();
    }
}
