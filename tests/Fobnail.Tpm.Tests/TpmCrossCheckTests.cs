using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Fobnail.Tpm;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.X509;

namespace Fobnail.Tpm.Tests;

/// <summary>Our TPM code against a real TPM engine, each result checked independently with tpm2-tools or BouncyCastle.</summary>
[Collection(TpmCollection.Name)]
[Trait("Category", TpmCollection.Trait)]
public sealed class TpmCrossCheckTests(TpmFixture tpm)
{

    /// <summary>tpm2_pcrread output as (bank, pcr) → value.</summary>
    private Dictionary<(string Bank, int Pcr), string> ToolPcrs(string selection)
    {
        var result = new Dictionary<(string, int), string>();
        string bank = "";
        foreach (string line in (selection.Length == 0 ? tpm.Tool("tpm2_pcrread") : tpm.Tool("tpm2_pcrread", selection)).Split('\n'))
        {
            Match b = Regex.Match(line, @"^\s+(\w+):\s*$");
            if (b.Success)
                bank = b.Groups[1].Value;
            Match v = Regex.Match(line, @"^\s+(\d+)\s*:\s*0x([0-9A-Fa-f]+)");
            if (v.Success)
                result[(bank, int.Parse(v.Groups[1].Value))] = v.Groups[2].Value.ToUpperInvariant();
        }
        return result;
    }

    [Fact]
    public void PcrRead_of_all_allocated_banks_equals_tpm2_pcrread()
    {
        // Make the values non-trivial with an independent extend first.
        tpm.Tool("tpm2_pcrextend", $"23:sha256={Convert.ToHexString(RandomNumberGenerator.GetBytes(32))}");
        TpmPcrValues ours = tpm.With(t => TpmPcrBanks.Read(t));
        Dictionary<(string, int), string> theirs = ToolPcrs("");

        // The fixture's swtpm allocates sha1 and sha256; a real TPM may differ, tpm2_pcrread says which.
        Assert.Equal(theirs.Keys.Select(k => k.Item1).Distinct().Order(), ours.Banks.Select(b => TpmHash.AlgorithmName(b.Hash)).Order());
        Assert.All(ours.Banks, b => Assert.Equal(24, b.Pcrs.Count));
        int compared = 0;
        foreach (TpmPcrBank bank in ours.Banks)
            for (int i = 0; i < bank.Pcrs.Count; i++, compared++)
                Assert.Equal(theirs[(TpmHash.AlgorithmName(bank.Hash), bank.Pcrs[i])], Convert.ToHexString(bank.Digests[i]));
        Assert.Equal(theirs.Count, compared);
        Assert.Equal(0xFFFFFFu, ours.Banks[0].Bitmap);
    }

    [Fact]
    public void PcrExtend_in_every_bank_shows_in_tpm2_pcrread()
    {
        Dictionary<(string Bank, int), string> before = ToolPcrs("");
        byte[] data = RandomNumberGenerator.GetBytes(100);
        IReadOnlyList<TpmAlgId> banks = tpm.With(t => TpmPcrBanks.ExtendAllBanks(t, 16, data));
        Dictionary<(string, int), string> after = ToolPcrs("");

        Assert.Equal(before.Keys.Select(k => k.Bank).Distinct().Order(), banks.Select(TpmHash.AlgorithmName).Order());
        Assert.Contains(TpmAlgId.Sha256, banks);
        foreach (TpmAlgId bank in banks)
        {
            Func<byte[], byte[]> h = bank switch
            {
                TpmAlgId.Sha1 => SHA1.HashData,
                TpmAlgId.Sha256 => SHA256.HashData,
                TpmAlgId.Sha384 => SHA384.HashData,
                _ => SHA512.HashData,
            };
            string name = TpmHash.AlgorithmName(bank);
            Assert.Equal(Convert.ToHexString(h([.. Convert.FromHexString(before[(name, 16)]), .. h(data)])), after[(name, 16)]);
            Assert.NotEqual(before[(name, 16)], after[(name, 16)]);
        }
    }

    [Fact]
    public void Aik_is_reported_by_tpm2_readpublic_with_the_expected_attributes_and_modulus()
    {
        TpmKey aik = tpm.With(t => new TpmAttestationKeys(t).EnsureAik(allowCreate: true));
        string file = tpm.NewFile("aik.pub");
        string text = tpm.Tool("tpm2_readpublic", "-c", "0x8100F0BA", "-f", "tss", "-o", file);

        Assert.Equal(280, aik.Public.Bytes.Length);
        Assert.Equal(File.ReadAllBytes(file), aik.Public.Bytes);
        Assert.Contains("raw: 0x60472", text);
        Assert.Contains("value: fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|decrypt|sign", text);
        Assert.Contains($"name: {Convert.ToHexString(aik.Name).ToLowerInvariant()}", text);
        Assert.Matches(@"(?m)^bits: 2048$", text);
        Assert.Equal(256, aik.Public.PublicArea.Modulus.Length);
    }

    [Fact]
    public void Persisted_keys_are_reused_and_a_wrong_object_is_only_replaced_when_allowed()
    {
        TpmKey first = tpm.With(t => new TpmAttestationKeys(t).EnsureAik(allowCreate: true));
        TpmKey again = tpm.With(t => new TpmAttestationKeys(t).EnsureAik(allowCreate: false));
        Assert.False(again.Created);
        Assert.Equal(first.Public.Bytes, again.Public.Bytes);

        // Put a different (owner-hierarchy, restricted) key at the AIK handle with tpm2-tools.
        tpm.With(t => new TpmAttestationKeys(t).Evict(TpmRh.FobnailAik));
        string ctx = tpm.NewFile("other.ctx");
        tpm.Tool("tpm2_createprimary", "-C", "o", "-G", "rsa2048", "-c", ctx);
        tpm.Tool("tpm2_evictcontrol", "-C", "o", "-c", ctx, "0x8100F0BA");
        tpm.Tool("tpm2_flushcontext", "-t");

        var refused = Assert.Throws<TpmException>(() => tpm.With(t => new TpmAttestationKeys(t).EnsureAik(allowCreate: false)));
        Assert.Contains("does not match", refused.Message);
        TpmKey recreated = tpm.With(t => new TpmAttestationKeys(t).EnsureAik(allowCreate: true));
        Assert.True(recreated.Created);
        Assert.Equal(TpmTemplates.AikAttributes, recreated.Public.PublicArea.ObjectAttributes);
        Assert.Contains("raw: 0x60472", tpm.Tool("tpm2_readpublic", "-c", "0x8100F0BA"));
    }

    [Fact]
    public void Ek_public_key_equals_the_key_in_the_ek_certificate_and_the_chain_verifies()
    {
        (TpmKey ek, byte[] certificate) = tpm.With(t => (new TpmAttestationKeys(t).EnsureEk(allowCreate: true), TpmEkCertificate.Read(t)));

        // The same NV contents through tpm2-tools (owner authorization), trimmed the same way.
        string nv = tpm.NewFile("ekcert.nv");
        tpm.Tool("tpm2_nvread", "-C", "o", "-o", nv, "0x01C00002");
        byte[] raw = File.ReadAllBytes(nv);
        Assert.Equal(raw.AsSpan(0, certificate.Length).ToArray(), certificate);

        X509Certificate parsed = new X509CertificateParser().ReadCertificate(certificate);
        var key = (RsaKeyParameters)parsed.GetPublicKey();
        Assert.Equal(key.Modulus.ToByteArrayUnsigned(), ek.Public.PublicArea.Modulus);
        Assert.True(TpmEkCertificate.Certifies(certificate, ek.Public.PublicArea));
        (byte[] modulus, byte[] exponent) = Der.RsaPublicKey(certificate, "test");
        Assert.Equal(key.Modulus.ToByteArrayUnsigned(), modulus);
        Assert.Equal(key.Exponent.ToByteArrayUnsigned(), exponent);
        Assert.Equal(TpmTemplates.EkAttributes, ek.Public.PublicArea.ObjectAttributes);

        // Chain from a directory (swtpm's local CA: intermediate + root as PEM); the root is dropped.
        Assert.True(tpm.CaDir is not null, $"an external TPM needs {TpmFixture.CaEnvironmentVariable} naming its CA directory");
        string chainDir = Path.Combine(tpm.WorkDir, "chain");
        Directory.CreateDirectory(chainDir);
        File.Copy(Path.Combine(tpm.CaDir!, "issuercert.pem"), Path.Combine(chainDir, "1-intermediate.pem"), true);
        File.Copy(Path.Combine(tpm.CaDir!, "swtpm-localca-rootca-cert.pem"), Path.Combine(chainDir, "0-root.pem"), true);
        IReadOnlyList<byte[]> chain = TpmEkCertificateChain.Build(certificate, chainDir);
        Assert.Equal(2, chain.Count);
        Assert.Equal(certificate, chain[1]);
        X509Certificate intermediate = new X509CertificateParser().ReadCertificate(chain[0]);
        parsed.Verify(intermediate.GetPublicKey());
    }

    [Fact]
    public void Quote_verifies_with_tpm2_checkquote_and_covers_the_selected_pcrs()
    {
        byte[] nonce = RandomNumberGenerator.GetBytes(32);
        var selection = new TpmlPcrSelection(TpmsPcrSelection.FromBitmap(TpmAlgId.Sha256, 0x000600FF));
        (TpmKey aik, QuoteResponse quote) = tpm.With(t =>
        {
            var keys = new TpmAttestationKeys(t);
            return (keys.EnsureAik(allowCreate: true), keys.Quote(nonce, selection));
        });

        Assert.True(quote.Quoted.ClockInfo.Safe, "swtpm must report TPMS_CLOCK_INFO.safe for the token to accept quotes");
        Assert.Equal(nonce, quote.Quoted.ExtraData);
        Assert.Equal(256, quote.Signature.Signature.Length);

        string pub = tpm.NewFile("aik.pub"), msg = tpm.NewFile("quote.msg"), sig = tpm.NewFile("quote.sig");
        File.WriteAllBytes(pub, aik.Public.Bytes);
        File.WriteAllBytes(msg, quote.Quoted.Bytes);
        File.WriteAllBytes(sig, quote.Signature.ToBytes());
        tpm.Tool("tpm2_checkquote", "-u", pub, "-m", msg, "-s", sig, "-g", "sha256", "-q", Convert.ToHexString(nonce));
        // The check can fail: a different nonce is rejected.
        Assert.Throws<InvalidOperationException>(() =>
            tpm.Tool("tpm2_checkquote", "-u", pub, "-m", msg, "-s", sig, "-g", "sha256", "-q", Convert.ToHexString(RandomNumberGenerator.GetBytes(32))));

        // pcrDigest = SHA-256 over the selected PCR values as tpm2_pcrread reports them (§7.6).
        Dictionary<(string, int), string> pcrs = ToolPcrs("sha256:0,1,2,3,4,5,6,7,17,18");
        byte[] concatenated = new[] { 0, 1, 2, 3, 4, 5, 6, 7, 17, 18 }.SelectMany(i => Convert.FromHexString(pcrs[("sha256", i)])).ToArray();
        Assert.Equal(SHA256.HashData(concatenated), quote.Quoted.PcrDigest);
        Assert.Equal(0x000600FFu, Assert.Single(quote.Quoted.PcrSelect.Selections).Bitmap);
    }

    [Fact]
    public void Sign_with_null_ticket_verifies_with_the_aik_public_key()
    {
        byte[] message = RandomNumberGenerator.GetBytes(300);
        (TpmKey aik, byte[] signature) = tpm.With(t =>
        {
            var keys = new TpmAttestationKeys(t);
            return (keys.EnsureAik(allowCreate: true), keys.SignMessage(message));
        });

        using var rsa = RSA.Create(new RSAParameters { Modulus = aik.Public.PublicArea.Modulus, Exponent = [1, 0, 1] });
        Assert.True(rsa.VerifyData(message, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        message[0] ^= 1;
        Assert.False(rsa.VerifyData(message, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void ActivateCredential_opens_a_tpm2_makecredential_blob_made_for_our_aik()
    {
        (TpmKey ek, TpmKey aik) = tpm.With(t => (new TpmAttestationKeys(t).EnsureEk(allowCreate: true), new TpmAttestationKeys(t).EnsureAik(allowCreate: true)));
        byte[] secret = RandomNumberGenerator.GetBytes(32);
        string ekPub = tpm.NewFile("ek.pub"), secretFile = tpm.NewFile("secret"), blob = tpm.NewFile("cred.out");
        File.WriteAllBytes(ekPub, ek.Public.Bytes);
        File.WriteAllBytes(secretFile, secret);
        tpm.Tool("tpm2_makecredential", "-T", "none", "-u", ekPub, "-s", secretFile, "-n", Convert.ToHexString(aik.Name), "-o", blob);

        // tpm2-tools credential file: magic 0xBADCC0DE, version 1, TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET.
        byte[] file = File.ReadAllBytes(blob);
        Assert.Equal("BADCC0DE00000001", Convert.ToHexString(file, 0, 8));
        int idLength = 2 + (file[8] << 8 | file[9]);
        byte[] idObject = file[8..(8 + idLength)];
        byte[] encSecret = file[(8 + idLength)..];
        Assert.Equal(70, idObject.Length);
        Assert.Equal(258, encSecret.Length);

        Assert.Equal(secret, tpm.With(t => new TpmAttestationKeys(t).ActivateCredential(idObject, encSecret)));

        // A credential made for another name is refused by the TPM (a typed TpmException, not garbage).
        string other = tpm.NewFile("cred2.out");
        tpm.Tool("tpm2_makecredential", "-T", "none", "-u", ekPub, "-s", secretFile, "-n", "000B" + Convert.ToHexString(new byte[32]), "-o", other);
        byte[] otherFile = File.ReadAllBytes(other);
        var e = Assert.Throws<TpmException>(() => tpm.With(t => new TpmAttestationKeys(t).ActivateCredential(otherFile[8..(8 + idLength)], otherFile[(8 + idLength)..])));
        Assert.NotNull(e.ResponseCode);
    }

    [Fact]
    public void Capabilities_and_hash_agree_with_tpm2_tools()
    {
        (bool started, uint nvBufferMax, uint manufacturer, GetCapabilityResponse handles) = tpm.With(t =>
        {
            new TpmAttestationKeys(t).EnsureAik(allowCreate: true);
            return (new Startup().Execute(t), TpmProperties.Get(t, TpmPt.NvBufferMax), TpmProperties.Get(t, TpmPt.Manufacturer),
                new GetCapability { Capability = TpmCap.Handles, Property = 0x81000000, PropertyCount = 64 }.Execute(t));
        });
        Assert.False(started); // swtpm runs with startup-clear (and a real TPM was started by firmware)
        string fixedProps = tpm.Tool("tpm2_getcap", "properties-fixed");
        Assert.Matches($@"TPM2_PT_NV_BUFFER_MAX:\s+raw: 0x{nvBufferMax:X}\b", fixedProps);
        Assert.Contains($"value: \"{TpmProperties.Ascii(manufacturer)}\"", fixedProps);

        string persistent = tpm.Tool("tpm2_getcap", "handles-persistent");
        foreach (uint h in handles.Handles!)
            Assert.Contains($"0x{h:X}", persistent);
        Assert.Contains(TpmRh.FobnailAik, handles.Handles);

        byte[] data = RandomNumberGenerator.GetBytes(1000);
        HashResponse hash = tpm.With(t => new Hash { Data = data }.Execute(t));
        Assert.Equal(SHA256.HashData(data), hash.OutHash);
        Assert.Equal(TpmRh.Owner, hash.Validation.Hierarchy);
    }

    [Fact]
    public void Tpm_errors_are_decoded_with_the_failing_handle()
    {
        var e = Assert.Throws<TpmException>(() => tpm.With(t => new ReadPublic { ObjectHandle = 0x81000099 }.Execute(t)));
        Assert.Equal("TPM_RC_HANDLE", e.ResponseCode!.Value.Name);
        Assert.Equal(1, e.ResponseCode.Value.HandleNumber);
        string decoded = TpmFixture.Run("tpm2_rc_decode", [$"0x{e.ResponseCode.Value.Value:x}"]);
        Assert.StartsWith("tpm:handle(1):", decoded);
    }
}
