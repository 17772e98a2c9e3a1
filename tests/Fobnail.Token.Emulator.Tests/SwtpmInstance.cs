using Fobnail.Testing.Processes;
using Fobnail.Testing.Tpm;

namespace Fobnail.Token.Emulator.Tests;

/// <summary>
/// A real swtpm (TPM 2.0 simulator) in a temp directory, manufactured by swtpm_setup with an EK certificate from
/// a private swtpm-localca (its own CA directory, so parallel tests and other users of /var/lib/swtpm-localca do
/// not interfere), driven with tpm2-tools over TCTI swtpm:host=127.0.0.1,port=P.
/// </summary>
public sealed class SwtpmInstance : IDisposable
{
    private readonly Swtpm _swtpm;

    public SwtpmInstance()
    {
        Dir = Directory.CreateTempSubdirectory("fobnail-swtpm-").FullName;
        string ca = Path.Combine(Dir, "ca");
        string state = Path.Combine(Dir, "state");
        SwtpmManufacturer.Manufacture(Dir, state, ca, "Emulator", "sha256");
        RootCaPem = File.ReadAllText(Path.Combine(ca, "swtpm-localca-rootca-cert.pem"));
        IssuerCaPem = File.ReadAllText(Path.Combine(ca, "issuercert.pem"));
        _swtpm = Swtpm.Start(state);
    }

    public string Dir { get; }
    public string Tcti => _swtpm.Tcti;
    public string RootCaPem { get; }
    public string IssuerCaPem { get; }

    public string PathOf(string name) => Path.Combine(Dir, name);

    /// <summary>Runs a tool against this TPM (arguments split at spaces); throws with its stderr when it fails.</summary>
    public string Exec(string tool, string args, bool tcti = true) =>
        Command.Run(tool, args.Split(' ', StringSplitOptions.RemoveEmptyEntries), new CommandOptions
        {
            WorkingDirectory = Dir,
            Environment = tcti ? new Dictionary<string, string?> { ["TPM2TOOLS_TCTI"] = Tcti } : null,
        }).EnsureSuccess().Stdout;

    /// <summary>tpm2-tools leaves objects loaded; swtpm has only 3 transient slots.</summary>
    public void FlushTransient() => Exec("tpm2_flushcontext", "-t");

    /// <summary>A policy session that ran PolicySecret(TPM_RH_ENDORSEMENT), as the EK's authPolicy requires (§7.1).</summary>
    public string EkPolicySession(string name)
    {
        Exec("tpm2_startauthsession", $"--policy-session -S {name}");
        Exec("tpm2_policysecret", $"-S {name} -c e");
        return $"session:{name}";
    }

    public void Dispose()
    {
        try { _swtpm.Dispose(); }
        finally { Directory.Delete(Dir, recursive: true); }
    }
}
