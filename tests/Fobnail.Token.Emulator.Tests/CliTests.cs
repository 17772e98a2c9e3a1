using System.Net;
using System.Net.Sockets;
using Fobnail.Coap;
using Fobnail.Protocol;
using Fobnail.Testing.Network;
using Fobnail.Token.Emulator.Core;

namespace Fobnail.Token.Emulator.Tests;

/// <summary>The emulator program itself (System.CommandLine CLI), started as a separate process on loopback.</summary>
public class CliTests
{
    /// <summary>The emulator program (fobnail-token-emulator.dll, copied next to the tests) with its log lines.</summary>
    internal static LoggedProcess StartEmulator(IEnumerable<string> args, CommandOptions? options = null) =>
        LoggedProcess.Start("token emulator", "dotnet", [Path.Combine(AppContext.BaseDirectory, "fobnail-token-emulator.dll"), .. args],
            options: options);

    private static LoggedProcess StartEmulator(string args) => StartEmulator(args.Split(' '));

    private static Task WaitListening(LoggedProcess emu) => emu.WaitForAsync("listening on", TimeSpan.FromSeconds(30));

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
            int port = FreePorts.Udp();
            string args = $"--listen 127.0.0.1:{port} --state {state} --ek-roots {roots} --provisioned --log-level Debug";
            byte[] ownerRoot;
            await using (var emu = StartEmulator(args))
            {
                await WaitListening(emu);
                using var client = new CoapClient(new IPEndPoint(IPAddress.Loopback, port));
                CoapMessage version = await client.GetAsync("/api/version");
                Assert.Equal(CoapCode.Content, version.Code);
                Assert.Equal(Convert.FromHexString("A16876657273696F6E738101"), version.Payload);
                // Provisioned from the start: platform provisioning works, with the EK root read from PEM.
                CoapMessage ek = await client.PostAsync(FobnailPaths.ProvisionEk, a.EkChain.Encode(), ContentFormats.Cbor);
                Assert.Equal(CoapCode.Created, ek.Code);
                // Token provisioning is closed on a provisioned token.
                Assert.Equal(CoapCode.NotFound, (await client.PostAsync(FobnailPaths.TokenProvision, [0xA0], ContentFormats.Cbor)).Code);
                Assert.Contains("LED: TokenWaiting", emu.Transcript);
            }
            Assert.True(File.Exists(Path.Combine(state, "cert", "token_cert")));
            Assert.True(File.Exists(Path.Combine(state, "keys", "token")));
            ownerRoot = File.ReadAllBytes(Path.Combine(state, "owner", "po_root.der"));
            File.WriteAllBytes(Path.Combine(state, "marker"), [1]);
            string ftsFile = Path.Combine(state, new string('a', 64) + "_disk.key");
            File.WriteAllBytes(ftsFile, [2]);

            // Restart: the flash state (and the owner chain) survives.
            await using (var emu = StartEmulator(args))
            {
                await WaitListening(emu);
            }
            Assert.Equal(ownerRoot, File.ReadAllBytes(Path.Combine(state, "owner", "po_root.der")));
            Assert.True(File.Exists(Path.Combine(state, "marker")));

            // --reset wipes it (a new owner chain is made because of --provisioned).
            await using (var emu = StartEmulator(args + " --reset"))
            {
                await WaitListening(emu);
                Assert.Contains("--reset", emu.Transcript);
                Assert.Contains("marker", emu.Transcript);  // "left .../marker alone (not token state)"
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
    public async Task Cli_Rejects_A_Bad_Listen_Address()
    {
        await using var emu = StartEmulator("--listen nonsense --state /tmp/fobnail-cli-never-created");
        Assert.Equal(2, await emu.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("--listen", emu.Transcript);
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
            int port = FreePorts.Udp();
            await using var emu = StartEmulator(
                $"--listen 127.0.0.1:{port} --state {Path.Combine(dir, "state")} --po-root {Path.Combine(dir, "po-root.pem")} --device-id 0x00ab12");
            await WaitListening(emu);
            Assert.Contains("LED: TokenNotProvisioned", emu.Transcript);
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
