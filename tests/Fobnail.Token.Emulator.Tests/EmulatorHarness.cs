using System.Net;
using System.Text;
using Fobnail.Protocol;
using Fobnail.Token.Emulator.Certificates;
using Fobnail.Token.Emulator.Clients;
using Fobnail.Token.Emulator.Core;
using Fobnail.Token.Emulator.Owner;
using Fobnail.Token.Emulator.Storage;
using Serilog;
using Serilog.Core;

namespace Fobnail.Token.Emulator.Tests;

/// <summary>A TokenCore on a temp state directory with a fake clock, seeded RNG and captured log lines.</summary>
public sealed class EmulatorHarness : IDisposable
{
    public EmulatorHarness(bool provisioned = true, IEnumerable<byte[]>? ekRoots = null, int seed = 1, bool realClock = false)
    {
        Dir = Directory.CreateTempSubdirectory("fobnail-emu-").FullName;
        Flash = new FlashStore(Dir);
        Random = new SeededRandom(seed);
        PoRoot = OwnerChain.LoadOrCreate(Flash, Random).RootDer;
        if (provisioned) OwnerChain.EnsureTokenProvisioned(Flash, Random, "0");
        Log = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(Sink).CreateLogger();
        Store = new CertificateStore(PoRoot, ekRoots ?? [Attester.EkRootDer],
            ski => Flash.ReadFile(FlashStore.IssuerPath(ski)));
        Core = new TokenCore(Flash, Store, Random, realClock ? new SystemTokenClock() : Clock, Log);
    }

    /// <summary>For tests that only read it; tests that change metadata or PCRs use their harness' own.</summary>
    public static SoftwareAttester SharedAttester { get; } = new();
    /// <summary>This harness' platform (keys are shared, metadata and PCR values are not: tests run in parallel).</summary>
    public SoftwareAttester Attester { get; } = new();
    public string Dir { get; }
    public FlashStore Flash { get; }
    public SeededRandom Random { get; }
    public byte[] PoRoot { get; }
    /// <summary>The core's clock unless the harness was made with a real one.</summary>
    public FakeClock Clock { get; } = new();
    public CapturingSink Sink { get; } = new();
    public ILogger Log { get; }
    public CertificateStore Store { get; }
    public TokenCore Core { get; }

    public static readonly IPEndPoint Client1 = new(IPAddress.Parse("169.254.0.8"), 40001);
    public static readonly IPEndPoint Client2 = new(IPAddress.Parse("169.254.0.8"), 40002);

    public TokenResponse Send(TokenRequest r, IPEndPoint? ep = null) => Core.Handle(ep ?? Client1, r);

    public TokenResponse Get(string path, IPEndPoint? ep = null) => Send(TokenRequest.Get(TokenRequest.Path(path)), ep);

    public TokenResponse Post(string path, byte[] payload, ushort? cf = ContentFormats.Cbor, IPEndPoint? ep = null) =>
        Send(TokenRequest.Post(payload, cf, TokenRequest.Path(path)), ep);

    public byte[] Nonce(IPEndPoint? ep = null)
    {
        TokenResponse r = Get(FobnailPaths.Nonce, ep);
        Assert.Equal(ResponseCode.Content, r.Code);
        return r.Payload;
    }

    public static uint Id(TokenResponse r) => uint.Parse(r.LocationPath!);

    /// <summary>ek → aik → ActivateCredential → provision; returns the PC id.</summary>
    public uint StartProvisioning(IPEndPoint? ep = null)
    {
        TokenResponse ek = Post(FobnailPaths.ProvisionEk, Attester.EkChain.Encode(), ep: ep);
        Assert.Equal(ResponseCode.Created, ek.Code);
        TokenResponse aik = Post(FobnailPaths.ProvisionAik, new AikRequest(Attester.AikTpm2bPublic, Id(ek)).Encode(), ep: ep);
        Assert.Equal(ResponseCode.Created, aik.Code);
        byte[] secret = Attester.ActivateCredential(AikChallenge.Decode(aik.Payload));
        TokenResponse pc = Post(FobnailPaths.Provision, new ProvisionRequest(Id(ek), Id(aik), secret).Encode(), ep: ep);
        Assert.Equal(ResponseCode.Created, pc.Code);
        return Id(pc);
    }

    /// <summary>The whole platform provisioning of the attester's current metadata and PCRs.</summary>
    public void ProvisionPlatform(IPEndPoint? ep = null)
    {
        uint pc = StartProvisioning(ep);
        Assert.Equal(ResponseCode.Created, Post(FobnailPaths.ProvisionMeta(pc), Attester.SignedObject(Attester.Metadata.Encode(), Nonce(ep)), ep: ep).Code);
        Assert.Equal(ResponseCode.Created, Post(FobnailPaths.ProvisionRim(pc), Attester.SignedObject(Attester.Rim().Encode(), Nonce(ep)), ep: ep).Code);
        Assert.Equal(ResponseCode.Changed, Post(FobnailPaths.ProvisionCommit(pc), [], null, ep).Code);
    }

    /// <summary>POST /attest; returns the AC id and the quote nonce.</summary>
    public (uint Ac, byte[] QuoteNonce) StartAttestation(IPEndPoint? ep = null)
    {
        TokenResponse r = Post(FobnailPaths.Attest, Attester.SignedObject(Attester.Metadata.Encode(), Nonce(ep)), ep: ep);
        Assert.Equal(ResponseCode.Created, r.Code);
        return (Id(r), QuoteRequest.Decode(r.Payload).Nonce);
    }

    public TokenResponse SendQuote(uint ac, byte[] attest, IPEndPoint? ep = null) =>
        Post(FobnailPaths.AttestContext(ac), new SignedObject(attest, Attester.Sign(attest, [])).Encode(), ep: ep);

    public void Attest(IPEndPoint? ep = null)
    {
        (uint ac, byte[] n) = StartAttestation(ep);
        Assert.Equal(ResponseCode.Changed, SendQuote(ac, Attester.QuoteAttest(n), ep).Code);
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
