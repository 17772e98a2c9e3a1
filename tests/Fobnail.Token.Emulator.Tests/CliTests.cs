using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Fobnail.Coap;
using Fobnail.Protocol;
using Fobnail.Token.Emulator.Core;

namespace Fobnail.Token.Emulator.Tests;

/// <summary>The emulator program itself (System.CommandLine CLI), started as a separate process on loopback.</summary>
public class CliTests
{
    private sealed class EmulatorProcess : IDisposable
    {
        private readonly Process _p;
        private readonly List<string> _lines = [];
        private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public EmulatorProcess(string args)
        {
            string dll = Path.Combine(AppContext.BaseDirectory, "fobnail-token-emulator.dll");
            _p = Process.Start(new ProcessStartInfo("dotnet", $"\"{dll}\" {args}")
            {
                RedirectStandardOutput = true, RedirectStandardError = true,
            })!;
            _p.OutputDataReceived += (_, e) => OnLine(e.Data);
            _p.ErrorDataReceived += (_, e) => OnLine(e.Data);
            _p.BeginOutputReadLine();
            _p.BeginErrorReadLine();
        }

        private void OnLine(string? line)
        {
            if (line == null) return;
            lock (_lines) _lines.Add(line);
            if (line.Contains("listening on", StringComparison.Ordinal)) _listening.TrySetResult();
        }

        public string Output { get { lock (_lines) return string.Join('\n', _lines); } }

        public void WaitListening()
        {
            Assert.True(_listening.Task.Wait(TimeSpan.FromSeconds(30)), "emulator did not start:\n" + Output);
        }

        public int WaitExit()
        {
            Assert.True(_p.WaitForExit(30_000), "emulator did not exit");
            _p.WaitForExit();
            return _p.ExitCode;
        }

        public void Dispose()
        {
            if (!_p.HasExited) { _p.Kill(); _p.WaitForExit(); }
            _p.Dispose();
        }
    }

    private static int FreeUdpPort()
    {
        using var s = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.Client.LocalEndPoint!).Port;
    }

    [Fact]
    public async Task Cli_Provisioned_Token_With_Pem_Ek_Roots_Serves_CoAP_Keeps_State_And_Reset_Wipes_It()
    {
        string dir = Directory.CreateTempSubdirectory("fobnail-cli-").FullName;
        try
        {
            string state = Path.Combine(dir, "state");
            string roots = Path.Combine(dir, "roots");
            Directory.CreateDirectory(roots);
            var a = EmulatorHarness.SharedAttester;
            File.WriteAllText(Path.Combine(roots, "ek-root.pem"),
                "-----BEGIN CERTIFICATE-----\n" + Convert.ToBase64String(a.EkRootDer, Base64FormattingOptions.InsertLineBreaks) +
                "\n-----END CERTIFICATE-----\n");
            int port = FreeUdpPort();
            string args = $"--listen 127.0.0.1:{port} --state {state} --ek-roots {roots} --provisioned --log-level Debug";
            byte[] ownerRoot;
            using (var emu = new EmulatorProcess(args))
            {
                emu.WaitListening();
                using var client = new CoapClient(new IPEndPoint(IPAddress.Loopback, port));
                CoapMessage version = await client.GetAsync("/api/version");
                Assert.Equal(CoapCode.Content, version.Code);
                Assert.Equal(Convert.FromHexString("A16876657273696F6E738101"), version.Payload);
                // Provisioned from the start: platform provisioning works, with the EK root read from PEM.
                CoapMessage ek = await client.PostAsync(FobnailPaths.ProvisionEk, a.EkChain.Encode(), ContentFormats.Cbor);
                Assert.Equal(CoapCode.Created, ek.Code);
                // Token provisioning is closed on a provisioned token.
                Assert.Equal(CoapCode.NotFound, (await client.PostAsync(FobnailPaths.TokenProvision, [0xA0], ContentFormats.Cbor)).Code);
                Assert.Contains("LED: TokenWaiting", emu.Output);
            }
            Assert.True(File.Exists(Path.Combine(state, "cert", "token_cert")));
            Assert.True(File.Exists(Path.Combine(state, "keys", "token")));
            ownerRoot = File.ReadAllBytes(Path.Combine(state, "owner", "po_root.der"));
            File.WriteAllBytes(Path.Combine(state, "marker"), [1]);
            string ftsFile = Path.Combine(state, new string('a', 64) + "_disk.key");
            File.WriteAllBytes(ftsFile, [2]);

            // Restart: the flash state (and the owner chain) survives.
            using (var emu = new EmulatorProcess(args))
            {
                emu.WaitListening();
            }
            Assert.Equal(ownerRoot, File.ReadAllBytes(Path.Combine(state, "owner", "po_root.der")));
            Assert.True(File.Exists(Path.Combine(state, "marker")));

            // --reset wipes it (a new owner chain is made because of --provisioned).
            using (var emu = new EmulatorProcess(args + " --reset"))
            {
                emu.WaitListening();
                Assert.Contains("--reset", emu.Output);
                Assert.Contains("marker", emu.Output);  // "left .../marker alone (not token state)"
            }
            // Token state is gone; a file that is not token state is left alone.
            Assert.True(File.Exists(Path.Combine(state, "marker")));
            Assert.False(File.Exists(ftsFile));
            Assert.NotEqual(ownerRoot, File.ReadAllBytes(Path.Combine(state, "owner", "po_root.der")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Cli_Rejects_A_Bad_Listen_Address()
    {
        using var emu = new EmulatorProcess("--listen nonsense --state /tmp/fobnail-cli-never-created");
        Assert.Equal(2, emu.WaitExit());
        Assert.Contains("--listen", emu.Output);
        Assert.False(Directory.Exists("/tmp/fobnail-cli-never-created"));
    }

    [Fact]
    public void Unprovisioned_Token_Uses_The_Po_Root_File()
    {
        string dir = Directory.CreateTempSubdirectory("fobnail-cli-").FullName;
        try
        {
            var flash = new Storage.FlashStore(Path.Combine(dir, "owner-side"));
            var owner = Owner.OwnerChain.LoadOrCreate(flash, new SeededRandom(3));
            File.WriteAllBytes(Path.Combine(dir, "po-root.der"), owner.RootDer);
            var (core, server) = Cli.EmulatorHost.Create(new Cli.EmulatorSettings
            {
                Listen = new IPEndPoint(IPAddress.Loopback, 0),
                StateDir = Path.Combine(dir, "state"),
                PoRootFile = Path.Combine(dir, "po-root.der"),
            }, Serilog.Core.Logger.None);
            Assert.False(core.TokenProvisioned);
            TokenResponse csr = core.Handle(new IPEndPoint(IPAddress.Loopback, 1),
                TokenRequest.Post(new PoCertChain([owner.RootDer, owner.CaDer]).Encode(), 60, TokenRequest.Path(FobnailPaths.TokenProvision)));
            Assert.Equal(ResponseCode.Created, csr.Code);
            server.DisposeAsync().AsTask().Wait();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Cli_Unprovisioned_Token_With_Po_Root_Answers_A_Csr_With_The_Device_Id_In_Uppercase_Hex()
    {
        string dir = Directory.CreateTempSubdirectory("fobnail-cli-").FullName;
        try
        {
            var owner = Owner.OwnerChain.LoadOrCreate(new Storage.FlashStore(Path.Combine(dir, "po")), new SeededRandom(9));
            File.WriteAllText(Path.Combine(dir, "po-root.pem"),
                "-----BEGIN CERTIFICATE-----\n" + Convert.ToBase64String(owner.RootDer) + "\n-----END CERTIFICATE-----\n");
            int port = FreeUdpPort();
            using var emu = new EmulatorProcess(
                $"--listen 127.0.0.1:{port} --state {Path.Combine(dir, "state")} --po-root {Path.Combine(dir, "po-root.pem")} --device-id 0x00ab12");
            emu.WaitListening();
            Assert.Contains("LED: TokenNotProvisioned", emu.Output);
            using var client = new CoapClient(new IPEndPoint(IPAddress.Loopback, port));
            CoapMessage csr = await client.PostAsync(FobnailPaths.TokenProvision, new PoCertChain([owner.RootDer, owner.CaDer]).Encode(), ContentFormats.Cbor);
            Assert.Equal(CoapCode.Created, csr.Code);
            var info = new Org.BouncyCastle.Pkcs.Pkcs10CertificationRequest(csr.Payload).GetCertificationRequestInfo();
            Assert.Equal("O=Fobnail,SERIALNUMBER=AB12", info.Subject.ToString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
