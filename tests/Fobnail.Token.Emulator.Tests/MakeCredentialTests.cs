using Fobnail.Token.Emulator.Certificates;
using Fobnail.Token.Emulator.Crypto;
using Fobnail.Token.Emulator.Tpm;

namespace Fobnail.Token.Emulator.Tests;

public class MakeCredentialTests
{
    [Fact]
    public void Tpm2ActivateCredential_On_Swtpm_Opens_The_Challenge_And_Returns_The_Chosen_Secret()
    {
        using var tpm = new SwtpmInstance();
        var keys = new TpmAttesterKeys(tpm);
        AikPublic aik = AikPublic.Parse(keys.AikTpm2bPublic);
        // Our Name computation must equal the TPM's own.
        Assert.Equal(keys.AikNameFromTpm, aik.Name);
        // Like the token: the EK public key comes from the EK certificate.
        var ek = (CertificateKey.Rsa)TokenCertificate.Parse(keys.EkCertDer).RequireKey();

        CredentialChallenge challenge = MakeCredential.Create(ek.Parameters, aik.Name, SystemTokenRandom.Instance);
        Assert.Equal(70, challenge.IdObject.Length);
        Assert.Equal(258, challenge.EncSecret.Length);

        byte[] secret = keys.ActivateCredential(challenge.IdObject, challenge.EncSecret);
        Assert.Equal(challenge.Secret, secret);
    }

    [Fact]
    public void Tpm2ActivateCredential_Refuses_A_Challenge_Made_For_Another_Name()
    {
        using var tpm = new SwtpmInstance();
        var keys = new TpmAttesterKeys(tpm);
        var ek = (CertificateKey.Rsa)TokenCertificate.Parse(keys.EkCertDer).RequireKey();
        byte[] otherName = (byte[])AikPublic.Parse(keys.AikTpm2bPublic).Name.Clone();
        otherName[5] ^= 1;
        CredentialChallenge challenge = MakeCredential.Create(ek.Parameters, otherName, SystemTokenRandom.Instance);
        // The outer HMAC covers the name, so the TPM must refuse (TPM_RC_INTEGRITY).
        Assert.Throws<InvalidOperationException>(() => keys.ActivateCredential(challenge.IdObject, challenge.EncSecret));
    }

    [Fact]
    public void Kdfa_Matches_A_Known_Vector()
    {
        // Independent check: KDFa(SHA-256, key, "STORAGE", ctxU, "", 128) computed by hand with HMAC per Part 1.
        byte[] key = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
        byte[] ctx = [0x00, 0x0B, 1, 2, 3];
        byte[] block = [0, 0, 0, 1, .. "STORAGE"u8, 0, .. ctx, 0, 0, 0, 128];
        byte[] expected = System.Security.Cryptography.HMACSHA256.HashData(key, block)[..16];
        Assert.Equal(expected, Kdfa.Sha256(key, "STORAGE", ctx, [], 128));
    }

    [Fact]
    public void AesCfb_Roundtrips_A_Partial_Final_Block()
    {
        byte[] key = new byte[16];
        byte[] plain = Enumerable.Range(0, 34).Select(i => (byte)i).ToArray();
        byte[] c = AesCfb.Encrypt(key, new byte[16], plain);
        Assert.NotEqual(plain, c);
        Assert.Equal(plain, AesCfb.Decrypt(key, new byte[16], c));
    }
}
