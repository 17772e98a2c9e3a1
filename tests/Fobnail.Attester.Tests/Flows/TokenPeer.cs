using System.Net;
using Fobnail.Token.Emulator.Cli;
using Fobnail.Token.Emulator.Core;
using Fobnail.Token.Emulator.Network;
using Serilog;

namespace Fobnail.Attester.Tests.Flows;

/// <summary>
/// The token emulator in-process on 127.0.0.1 (fresh flash in a temp dir), trusting the swtpm local CA's root as
/// an EK root, so the attester sends [issuer CA, EK certificate] as with the reference (§5.4a).
/// </summary>
internal sealed class TokenPeer : IAsyncDisposable
{
    private TokenPeer(string dir, TokenCore core, TokenServer server)
    {
        Dir = dir;
        Core = core;
        Server = server;
    }

    public string Dir { get; }
    public TokenCore Core { get; }
    public TokenServer Server { get; }
    public IPEndPoint EndPoint => Server.LocalEndPoint;

    /// <summary>The EK chain directory the attester reads: the swtpm local CA's intermediate (and root, which is dropped).</summary>
    public string EkChainDir => Path.Combine(Dir, "ek-chain");

    public static TokenPeer Start(TpmFixture tpm, bool provisioned = true)
    {
        string dir = Directory.CreateTempSubdirectory("fobnail-flows-token-").FullName;
        string roots = Path.Combine(dir, "ek-roots");
        string chain = Path.Combine(dir, "ek-chain");
        Directory.CreateDirectory(roots);
        Directory.CreateDirectory(chain);
        File.Copy(Path.Combine(tpm.CaDir!, "swtpm-localca-rootca-cert.pem"), Path.Combine(roots, "root.pem"));
        File.Copy(Path.Combine(tpm.CaDir!, "issuercert.pem"), Path.Combine(chain, "1-issuer.pem"));
        File.Copy(Path.Combine(tpm.CaDir!, "swtpm-localca-rootca-cert.pem"), Path.Combine(chain, "0-root.pem"));
        var (core, server) = EmulatorHost.Create(new EmulatorSettings
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            StateDir = Path.Combine(dir, "state"),
            EkRootsDir = roots,
            Provisioned = provisioned,
        }, Serilog.Core.Logger.None);
        server.Start();
        return new TokenPeer(dir, core, server);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(Dir, true);
    }
}
