namespace Fobnail.Qemu.Tests.Demo;

/// <summary>
/// Everything around the demo guest: a fresh guest TPM (manufactured, with an EK certificate), the token emulator
/// in its network namespace trusting that TPM's EK root, the token's USB twin bridged to that namespace (what gets
/// plugged into the guest), and the guest's initramfs carrying the EK issuer and the kexec target.
/// </summary>
public sealed class DemoRig : IAsyncDisposable
{
    private DemoRig(GuestTpm tpm, TokenNamespace token, UsbTwin twin, string initramfs)
    {
        Tpm = tpm;
        Token = token;
        Twin = twin;
        Initramfs = initramfs;
    }

    public GuestTpm Tpm { get; }
    public TokenNamespace Token { get; }
    /// <summary>The token's USB side: 1234:4321 with CDC EEM, its Ethernet on the namespace's tap0.</summary>
    public UsbTwin Twin { get; }
    public string Initramfs { get; }

    public static async Task<DemoRig> CreateAsync(string name, string? targetInitrd = null)
    {
        var tpm = new GuestTpm();
        TokenNamespace? token = null;
        UsbTwin? twin = null;
        try
        {
            token = new TokenNamespace(name);
            await token.StartEmulatorAsync(tpm.EkRootsDir);
            twin = await UsbTwin.StartAsync(name, token.Name, "tap0");
            return new DemoRig(tpm, token, twin, DemoInitramfs.Build(name, tpm.IssuerCertificatePem, targetInitrd));
        }
        catch
        {
            if (twin is not null) await twin.DisposeAsync();
            if (token is not null) await token.DisposeAsync();
            tpm.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Twin.DisposeAsync();
            await Token.DisposeAsync();
        }
        finally { Tpm.Dispose(); }
    }
}
