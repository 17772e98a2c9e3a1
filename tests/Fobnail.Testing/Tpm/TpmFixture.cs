using Fobnail.Testing.Processes;
using Fobnail.Tpm;

namespace Fobnail.Testing.Tpm;

/// <summary>
/// The real TPM the tests talk to. By default a fresh swtpm: state manufactured with
/// `swtpm_setup --tpm2 --create-ek-cert` (EK certificate at 0x01C00002 signed by a local CA created in a temp
/// dir, SHA-1 and SHA-256 banks), served by `swtpm socket` on free loopback ports. With FOBNAIL_TEST_TPM set
/// (e.g. `device:/dev/tpmrm0` in the QEMU guest) the same tests run against that TPM instead, and tpm2-tools
/// use the matching TCTI (FOBNAIL_TEST_TPM_CA then names the directory of its EK CA certificates).
/// </summary>
public sealed class TpmFixture : IDisposable
{
    public const string EnvironmentVariable = "FOBNAIL_TEST_TPM";
    /// <summary>With an external TPM: directory holding issuercert.pem and swtpm-localca-rootca-cert.pem of its EK CA.</summary>
    public const string CaEnvironmentVariable = "FOBNAIL_TEST_TPM_CA";

    private readonly Swtpm? _swtpm;

    public TpmFixture()
    {
        WorkDir = Directory.CreateTempSubdirectory("fobnail-tpm-test-").FullName;
        string? configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            Spec = TpmTransportSpec.Parse(configured);
            Tcti = Spec.Kind == "swtpm" ? $"swtpm:host={Spec.Host},port={Spec.Port}" : $"device:{Spec.Path}";
            CaDir = Environment.GetEnvironmentVariable(CaEnvironmentVariable);
        }
        else
        {
            CaDir = Path.Combine(WorkDir, "ca");
            string state = Path.Combine(WorkDir, "state");
            SwtpmManufacturer.Manufacture(WorkDir, state, CaDir, "Test", "sha1,sha256");
            _swtpm = Swtpm.Start(state);
            Spec = TpmTransportSpec.Parse(_swtpm.Spec);
            Tcti = _swtpm.Tcti;
        }
    }

    public string WorkDir { get; }

    /// <summary>The local CA swtpm_setup made (root and intermediate), or null for an external TPM.</summary>
    public string? CaDir { get; }

    public TpmTransportSpec Spec { get; }

    /// <summary>TPM2TOOLS_TCTI for tpm2-tools talking to the same TPM.</summary>
    public string Tcti { get; }

    public ITpmTransport Open() => Spec.Open();

    /// <summary>
    /// Runs <paramref name="action"/> on a connection that is closed afterwards: swtpm serves one client at a
    /// time, so tpm2-tools can only reach it while we are not connected.
    /// </summary>
    public T With<T>(Func<ITpmTransport, T> action)
    {
        using ITpmTransport transport = Open();
        return action(transport);
    }

    public void With(Action<ITpmTransport> action)
    {
        using ITpmTransport transport = Open();
        action(transport);
    }

    /// <summary>Runs a tpm2-tools command against the same TPM; fails the test on a non-zero exit.</summary>
    public string Tool(string tool, params string[] args) => Run(tool, args, ("TPM2TOOLS_TCTI", Tcti));

    public string NewFile(string name) => Path.Combine(WorkDir, $"{Guid.NewGuid():N}-{name}");

    public static string Run(string file, IEnumerable<string> args, params (string Name, string Value)[] environment) =>
        Command.Run(file, args, new CommandOptions { Environment = environment.ToDictionary(e => e.Name, e => (string?)e.Value) })
            .EnsureSuccess().Stdout;

    public void Dispose()
    {
        _swtpm?.Dispose();
        Directory.Delete(WorkDir, true);
    }
}

/// <summary>
/// Names of the collection that shares one <see cref="TpmFixture"/>. xunit finds collection definitions only in
/// the test assembly itself, so each test project declares
/// <c>[CollectionDefinition(TpmCollection.Name)] class TpmTests : ICollectionFixture&lt;TpmFixture&gt;;</c>.
/// </summary>
public static class TpmCollection
{
    public const string Name = "TPM";
    /// <summary>Trait marking tests that need a real TPM engine (swtpm here, /dev/tpmrm0 in the QEMU guest).</summary>
    public const string Trait = "Tpm";
}
