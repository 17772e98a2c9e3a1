using System.Text;
using Fobnail.Protocol;
using Fobnail.Token.Emulator.Cli;
using Fobnail.Token.Emulator.Core;

namespace Fobnail.Token.Emulator.Tests;

/// <summary>
/// Independent checks with a real TPM: the whole provisioning and attestation done with tpm2-tools on swtpm
/// (EK certificate chain from swtpm-localca, AIK with the §7.3 attributes, tpm2_activatecredential,
/// tpm2_sign, tpm2_quote, tpm2_pcrextend) against the emulator core.
/// </summary>
public class SwtpmAttestationTests
{
    private static readonly string PolicyPcrs = "sha256:0,1,2,3,4,5,6,7,17,18";

    private static byte[] Der(string pem) => CertificateFiles.Parse(Encoding.ASCII.GetBytes(pem))[0];

    private static byte[] TpmSign(SwtpmInstance tpm, byte[] message)
    {
        File.WriteAllBytes(tpm.PathOf("msg.bin"), message);
        tpm.FlushTransient();
        tpm.Exec("tpm2_sign", "-c aik.ctx -g sha256 -s rsassa -f plain -o sig.bin msg.bin");
        tpm.FlushTransient();
        return File.ReadAllBytes(tpm.PathOf("sig.bin"));
    }

    private static byte[] Signed(SwtpmInstance tpm, byte[] data, byte[] nonce) =>
        new SignedObject(data, TpmSign(tpm, [.. data, .. nonce])).Encode();

    private static Rim ReadRim(SwtpmInstance tpm)
    {
        tpm.Exec("tpm2_pcrread", "sha256:all -o pcrs.bin");
        byte[] all = File.ReadAllBytes(tpm.PathOf("pcrs.bin"));
        Assert.Equal(24 * 32, all.Length);
        return new Rim(0, [new PcrBank(0x000B, 0x00FFFFFF, Enumerable.Range(0, 24).Select(i => all[(i * 32)..((i + 1) * 32)]).ToArray())]);
    }

    private static (byte[] Attest, byte[] Signature) TpmQuote(SwtpmInstance tpm, byte[] nonce)
    {
        tpm.FlushTransient();
        tpm.Exec("tpm2_quote", $"-c aik.ctx -l {PolicyPcrs} -q {Convert.ToHexString(nonce)} -m quote.msg -s quote.sig -f plain -g sha256");
        tpm.FlushTransient();
        return (File.ReadAllBytes(tpm.PathOf("quote.msg")), File.ReadAllBytes(tpm.PathOf("quote.sig")));
    }

    [Fact]
    public void Tpm2Tools_Platform_Provisions_Then_Tpm2Quote_Passes_And_Fails_403_After_Pcrextend()
    {
        using var tpm = new SwtpmInstance();
        var keys = new TpmAttesterKeys(tpm);
        using var h = new EmulatorHarness(ekRoots: [Der(tpm.RootCaPem)]);

        // EK chain as the reference attester sends it: below the root down to the EK certificate.
        TokenResponse ek = h.Post(FobnailPaths.ProvisionEk, new EkCertChain([Der(tpm.IssuerCaPem), keys.EkCertDer]).Encode());
        Assert.Equal(ResponseCode.Created, ek.Code);
        TokenResponse aik = h.Post(FobnailPaths.ProvisionAik, new AikRequest(keys.AikTpm2bPublic, EmulatorHarness.Id(ek)).Encode());
        Assert.Equal(ResponseCode.Created, aik.Code);
        AikChallenge challenge = AikChallenge.Decode(aik.Payload);
        byte[] secret = keys.ActivateCredential(challenge.IdObject, challenge.EncSecret);
        TokenResponse pc = h.Post(FobnailPaths.Provision, new ProvisionRequest(EmulatorHarness.Id(ek), EmulatorHarness.Id(aik), secret).Encode());
        Assert.Equal(ResponseCode.Created, pc.Code);
        uint pcId = EmulatorHarness.Id(pc);

        byte[] metadata = new Metadata(1, [0x52, 0x54, 0, 0xAB, 0xCD, 0xEF], "swtpm", "Emulated Platform", "TPM-1").Encode();
        Assert.Equal(ResponseCode.Created, h.Post(FobnailPaths.ProvisionMeta(pcId), Signed(tpm, metadata, h.Nonce())).Code);
        Assert.Equal(ResponseCode.Created, h.Post(FobnailPaths.ProvisionRim(pcId), Signed(tpm, ReadRim(tpm).Encode(), h.Nonce())).Code);
        Assert.Equal(ResponseCode.Changed, h.Post(FobnailPaths.ProvisionCommit(pcId), [], null).Code);

        // Attestation with an unchanged platform.
        TokenResponse start = h.Post(FobnailPaths.Attest, Signed(tpm, metadata, h.Nonce()));
        Assert.Equal(ResponseCode.Created, start.Code);
        QuoteRequest qr = QuoteRequest.Decode(start.Payload);
        Assert.Equal(DefaultPolicy.Banks, qr.Banks);
        (byte[] attest, byte[] sig) = TpmQuote(tpm, qr.Nonce);
        TokenResponse verdict = h.Post(FobnailPaths.AttestContext(EmulatorHarness.Id(start)), new SignedObject(attest, sig).Encode());
        Assert.Equal(ResponseCode.Changed, verdict.Code);

        // A policy PCR changes: the same flow is refused with 4.03.
        tpm.Exec("tpm2_pcrextend", "7:sha256=" + new string('a', 64));
        start = h.Post(FobnailPaths.Attest, Signed(tpm, metadata, h.Nonce()));
        Assert.Equal(ResponseCode.Created, start.Code);
        qr = QuoteRequest.Decode(start.Payload);
        (attest, sig) = TpmQuote(tpm, qr.Nonce);
        verdict = h.Post(FobnailPaths.AttestContext(EmulatorHarness.Id(start)), new SignedObject(attest, sig).Encode());
        Assert.Equal(ResponseCode.Forbidden, verdict.Code);
        Assert.Contains(h.Sink.Lines, l => l.Contains("PCRs don't match"));
    }
}
