using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Fobnail.Token.Emulator.Tests;

/// <summary>
/// A real swtpm (TPM 2.0 simulator) in a temp directory, manufactured by swtpm_setup with an EK certificate from
/// a private swtpm-localca (its own CA directory, so parallel tests and other users of /var/lib/swtpm-localca do
/// not interfere), driven with tpm2-tools over TCTI swtpm:host=127.0.0.1,port=P.
/// </summary>
public sealed class SwtpmInstance : IDisposable
{
    private readonly Process _swtpm;

    public SwtpmInstance()
    {
        Dir = Directory.CreateTempSubdirectory("fobnail-swtpm-").FullName;
        string ca = Path.Combine(Dir, "ca");
        string state = Path.Combine(Dir, "state");
        SwtpmManufacturer.Manufacture(Dir, state, ca, "Emulator", "sha256");
        RootCaPem = File.ReadAllText(Path.Combine(ca, "swtpm-localca-rootca-cert.pem"));
        IssuerCaPem = File.ReadAllText(Path.Combine(ca, "issuercert.pem"));

        for (int attempt = 0; ; attempt++)
        {
            // The swtpm TCTI talks to the control channel on port + 1.
            int port = FreePortPair(), ctrl = port + 1;
            var psi = new ProcessStartInfo("swtpm",
                $"socket --tpm2 --tpmstate dir={state} --server type=tcp,port={port},bindaddr=127.0.0.1 " +
                $"--ctrl type=tcp,port={ctrl},bindaddr=127.0.0.1 --flags not-need-init,startup-clear")
            { RedirectStandardError = true, RedirectStandardOutput = true };
            _swtpm = Process.Start(psi)!;
            Tcti = $"swtpm:host=127.0.0.1,port={port}";
            if (WaitListening(port)) break;
            _swtpm.Kill();
            _swtpm.WaitForExit();
            if (attempt == 5) throw new InvalidOperationException("swtpm did not start: " + _swtpm.StandardError.ReadToEnd());
        }
    }

    public string Dir { get; }
    public string Tcti { get; private set; } = "";
    public string RootCaPem { get; }
    public string IssuerCaPem { get; }

    public string PathOf(string name) => Path.Combine(Dir, name);

    /// <summary>Runs a tool against this TPM; throws with its stderr when it fails.</summary>
    public string Exec(string tool, string args, bool tcti = true)
    {
        var psi = new ProcessStartInfo(tool, args)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Dir,
        };
        if (tcti) psi.Environment["TPM2TOOLS_TCTI"] = Tcti;
        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(); throw new TimeoutException($"{tool} {args} hung"); }
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{tool} {args} exited {p.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }

    /// <summary>tpm2-tools leaves objects loaded; swtpm has only 3 transient slots.</summary>
    public void FlushTransient() => Exec("tpm2_flushcontext", "-t");

    /// <summary>A policy session that ran PolicySecret(TPM_RH_ENDORSEMENT), as the EK's authPolicy requires (§7.1).</summary>
    public string EkPolicySession(string name)
    {
        Exec("tpm2_startauthsession", $"--policy-session -S {name}");
        Exec("tpm2_policysecret", $"-S {name} -c e");
        return $"session:{name}";
    }

    private static int FreePortPair()
    {
        while (true)
        {
            using var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            int port = ((IPEndPoint)l.LocalEndpoint).Port;
            if (port >= 65535) continue;
            try
            {
                using var next = new TcpListener(IPAddress.Loopback, port + 1);
                next.Start();
                return port;
            }
            catch (SocketException)
            {
                // port + 1 is taken; try another pair.
            }
        }
    }

    private bool WaitListening(int port)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (_swtpm.HasExited) return false;
            try
            {
                using var c = new TcpClient();
                c.Connect(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        return false;
    }

    public void Dispose()
    {
        try
        {
            if (!_swtpm.HasExited) { _swtpm.Kill(); _swtpm.WaitForExit(); }
        }
        finally
        {
            _swtpm.Dispose();
            Directory.Delete(Dir, recursive: true);
        }
    }
}
