namespace Fobnail.Qemu.Tests.Demo;

/// <summary>
/// Everything around the demo guest: a fresh guest TPM (manufactured, with an EK certificate), the token emulator
/// in its network namespace trusting that TPM's EK root, and the guest's initramfs carrying the EK issuer and the
/// kexec target.
/// </summary>
public sealed class DemoRig : IAsyncDisposable
{
    private DemoRig(GuestTpm tpm, TokenNamespace token, string initramfs)
    {
        Tpm = tpm;
        Token = token;
        Initramfs = initramfs;
    }

    public GuestTpm Tpm { get; }
    public TokenNamespace Token { get; }
    public string Initramfs { get; }

    public static async Task<DemoRig> CreateAsync(string name)
    {
        var tpm = new GuestTpm();
        TokenNamespace? token = null;
        try
        {
            token = new TokenNamespace(name);
            await token.StartEmulatorAsync(tpm.EkRootsDir);
            return new DemoRig(tpm, token, DemoInitramfs.Build(name, tpm.IssuerCertificatePem));
        }
        catch
        {
            if (token is not null) await token.DisposeAsync();
            tpm.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try { await Token.DisposeAsync(); }
        finally { Tpm.Dispose(); }
    }
}
