using System.Diagnostics;

namespace Fobnail.Qemu.Tests.Demo;

/// <summary>
/// The guest's TPM: an swtpm manufactured once by swtpm_setup --create-ek-cert with a private swtpm-localca (its
/// own CA directory, so nothing touches /var/lib/swtpm-localca), then started for each QEMU boot on the same state,
/// as QEMU's tpm-tis backend over swtpm's control channel. The EK certificate chains to
/// <see cref="EkRootsDir"/> (the localca's self-signed root), which is what the token emulator trusts.
/// </summary>
public sealed class GuestTpm : IDisposable
{
    private readonly string _state;
    private Process? _swtpm;

    public GuestTpm()
    {
        Dir = Directory.CreateTempSubdirectory("fobnail-guest-tpm-").FullName;
        string ca = Path.Combine(Dir, "ca");
        _state = Path.Combine(Dir, "state");
        EkRootsDir = Path.Combine(Dir, "ek-roots");
        Directory.CreateDirectory(EkRootsDir);
        SwtpmManufacturer.Manufacture(Dir, _state, ca, "QEMU", activePcrBanks: null);
        // The token trusts the root; the attester sends [issuer, EK] (spec §5.4 (a): the root is not sent).
        File.Copy(Path.Combine(ca, "swtpm-localca-rootca-cert.pem"), Path.Combine(EkRootsDir, "swtpm-localca-root.pem"));
        IssuerCertificatePem = Path.Combine(ca, "issuercert.pem");
    }

    public string Dir { get; }

    /// <summary>Directory holding the EK root certificate, for the emulator's --ek-roots.</summary>
    public string EkRootsDir { get; }

    /// <summary>The localca's intermediate that issued the EK certificate (PEM file).</summary>
    public string IssuerCertificatePem { get; }

    private string Socket => Path.Combine(Dir, "swtpm.sock");

    /// <summary>
    /// Starts swtpm for one boot (it exits when QEMU closes the connection) and returns QEMU's arguments for it.
    /// The TPM's persistent state (EK, owner hierarchy, NV) carries over between boots; PCRs start afresh.
    /// </summary>
    public IReadOnlyList<string> StartForQemu()
    {
        StopSwtpm();
        File.Delete(Socket);
        _swtpm = Process.Start(new ProcessStartInfo("swtpm",
            ["socket", "--tpm2", "--tpmstate", $"dir={_state}", "--ctrl", $"type=unixio,path={Socket}", "--terminate"])
        { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var sw = Stopwatch.StartNew();
        while (!File.Exists(Socket))
        {
            if (_swtpm.HasExited || sw.Elapsed > TimeSpan.FromSeconds(10))
                throw new InvalidOperationException("swtpm did not create its control socket: " + _swtpm.StandardError.ReadToEnd());
            Thread.Sleep(50);
        }
        return ["-chardev", $"socket,id=chrtpm,path={Socket}", "-tpmdev", "emulator,id=tpm0,chardev=chrtpm", "-device", "tpm-tis,tpmdev=tpm0"];
    }

    private void StopSwtpm()
    {
        if (_swtpm is null) return;
        // A clean QEMU exit ends swtpm (--terminate); give it a moment to write its state before forcing it.
        if (!_swtpm.WaitForExit(5000)) { _swtpm.Kill(); _swtpm.WaitForExit(); }
        _swtpm.Dispose();
        _swtpm = null;
    }

    public void Dispose()
    {
        try { StopSwtpm(); }
        finally { Directory.Delete(Dir, recursive: true); }
    }
}
