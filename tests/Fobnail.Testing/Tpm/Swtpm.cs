using System.Net;
using System.Net.Sockets;
using Fobnail.Testing.Network;
using Fobnail.Testing.Processes;

namespace Fobnail.Testing.Tpm;

/// <summary>
/// `swtpm socket` serving a manufactured state directory on two adjacent loopback ports (server P, control
/// P + 1, as tpm2-tools' swtpm TCTI expects), started with TPM2_Startup(CLEAR) done. Killed on dispose; the
/// state directory is the caller's.
/// </summary>
public sealed class Swtpm : IAsyncDisposable, IDisposable
{
    private readonly LoggedProcess _process;

    private Swtpm(LoggedProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>TPM2TOOLS_TCTI for tpm2-tools.</summary>
    public string Tcti => $"swtpm:host=127.0.0.1,port={Port}";

    /// <summary>Our own transport spec (--tpm).</summary>
    public string Spec => $"swtpm:127.0.0.1:{Port}";

    public static Swtpm Start(string stateDir)
    {
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePorts.TcpPair();
            var process = LoggedProcess.Start("swtpm", "swtpm",
            [
                "socket", "--tpm2", "--tpmstate", $"dir={stateDir}",
                "--server", $"type=tcp,port={port},bindaddr=127.0.0.1",
                "--ctrl", $"type=tcp,port={port + 1},bindaddr=127.0.0.1",
                "--flags", "not-need-init,startup-clear",
            ]);
            if (WaitListening(process, port)) return new Swtpm(process, port);
            // Lost the race for the ports to another test, or swtpm failed: a few more tries, then its words.
            string said = process.Transcript;
            process.DisposeAsync().AsTask().GetAwaiter().GetResult();
            if (attempt == 5) throw new InvalidOperationException("swtpm did not start: " + said);
        }
    }

    private static bool WaitListening(LoggedProcess process, int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        return false;
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    public void Dispose() => _process.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
