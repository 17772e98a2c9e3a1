using Fobnail.Token.Emulator.Certificates;
using Fobnail.Token.Emulator.Clients;
using Fobnail.Token.Emulator.Core;
using Fobnail.Token.Emulator.Crypto;
using Fobnail.Token.Emulator.Network;
using Fobnail.Token.Emulator.Owner;
using Fobnail.Token.Emulator.Storage;
using Serilog;

namespace Fobnail.Token.Emulator.Cli;

/// <summary>Builds the emulator from <see cref="EmulatorSettings"/>: flash directory, trust roots, core, server.</summary>
public static class EmulatorHost
{
    public static (TokenCore Core, TokenServer Server) Create(EmulatorSettings s, ILogger log)
    {
        var flash = new FlashStore(s.StateDir);
        if (s.Reset)
        {
            log.Warning("--reset: wiping the token state in {Dir}", flash.Root);
            foreach (string other in flash.Wipe())
                log.Warning("--reset: left {Path} alone (not token state)", other);
        }
        ITokenRandom random = SystemTokenRandom.Instance;

        byte[]? poRoot = s.PoRootFile == null ? null : CertificateFiles.ReadFile(s.PoRootFile).FirstOrDefault();
        if (s.Provisioned)
        {
            byte[] ownerRoot = OwnerChain.EnsureTokenProvisioned(flash, random, s.DeviceId);
            if (poRoot != null && !poRoot.AsSpan().SequenceEqual(ownerRoot))
                throw new InvalidOperationException("--po-root and --provisioned disagree: --provisioned uses its own PO root (in the state directory)");
            poRoot = ownerRoot;
            log.Information("Token provisioned by the emulator's own Platform Owner (chain in {Dir}/owner)", flash.Root);
        }
        else if (poRoot == null && !flash.TokenProvisioned)
        {
            log.Warning("No --po-root given: token provisioning (/admin/token_provision) will refuse every chain");
        }

        List<byte[]> ekRoots = s.EkRootsDir == null ? [] : CertificateFiles.ReadDirectory(s.EkRootsDir);
        if (ekRoots.Count == 0) log.Warning("No EK roots: every EK chain will be refused (give --ek-roots DIR)");
        var store = new CertificateStore(poRoot, ekRoots, ski => flash.ReadFile(FlashStore.IssuerPath(ski)));
        log.Information("Trusted roots: {Count} ({Po})", store.RootCount, poRoot != null ? "PO root first" : "no PO root");
        var core = new TokenCore(flash, store, random, new SystemTokenClock(), log, s.DeviceId);
        return (core, new TokenServer(core, s.Listen, log));
    }
}
