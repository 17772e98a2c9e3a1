using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
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

    private readonly Process? _swtpm;

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
            // tpm2-tools' swtpm TCTI expects the control port right after the server port.
            int port = FreePortPair(), ctrl = port + 1;
            _swtpm = Process.Start(new ProcessStartInfo("swtpm",
            [
                "socket", "--tpm2", "--tpmstate", $"dir={state}",
                "--server", $"type=tcp,port={port},bindaddr=127.0.0.1",
                "--ctrl", $"type=tcp,port={ctrl},bindaddr=127.0.0.1",
                "--flags", "not-need-init,startup-clear",
            ]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            WaitForPort(port);
            Spec = TpmTransportSpec.Parse($"swtpm:127.0.0.1:{port}");
            Tcti = $"swtpm:host=127.0.0.1,port={port}";
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

    public static string Run(string file, IEnumerable<string> args, params (string Name, string Value)[] environment)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
            psi.Environment[name] = value;
        using Process p = Process.Start(psi)!;
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish");
        }
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {stderr.Result}\n{stdout}");
        return stdout;
    }


    private static int FreePortPair()
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            using var first = new TcpListener(IPAddress.Loopback, 0);
            first.Start();
            int port = ((IPEndPoint)first.LocalEndpoint).Port;
            if (port >= 65535)
                continue;
            try
            {
                using var second = new TcpListener(IPAddress.Loopback, port + 1);
                second.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }
        throw new InvalidOperationException("no two consecutive free loopback ports");
    }

    private static void WaitForPort(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
        }
    }

    public void Dispose()
    {
        if (_swtpm is not null)
        {
            if (!_swtpm.HasExited)
            {
                _swtpm.Kill();
                _swtpm.WaitForExit(5000);
            }
            _swtpm.Dispose();
        }
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
