using System.Diagnostics;
using Fobnail.Protocol;
using Fobnail.Token.Emulator.Attestation;
using Fobnail.Token.Emulator.Certificates;
using Fobnail.Token.Emulator.Core;
using Fobnail.Token.Emulator.Tpm;

namespace Fobnail.Token.Emulator.Tests;

/// <summary>
/// Randomised and mutation tests with fixed seeds: every parser of untrusted input throws only its own typed
/// exception, the core answers every request with a response (never an exception), and nothing hangs.
/// </summary>
public class FuzzTests
{
    private static byte[] Mutate(Random r, byte[] valid)
    {
        byte[] b = (byte[])valid.Clone();
        switch (r.Next(5))
        {
            case 0: // flip bits
                for (int i = r.Next(1, 4); i > 0 && b.Length > 0; i--) b[r.Next(b.Length)] ^= (byte)(1 << r.Next(8));
                return b;
            case 1: // truncate
                return b[..r.Next(b.Length + 1)];
            case 2: // overwrite a byte with an interesting value
                if (b.Length > 0) b[r.Next(b.Length)] = new byte[] { 0x00, 0xFF, 0x7F, 0x80, 0x1B, 0x1F, 0x5F, 0xBF }[r.Next(8)];
                return b;
            case 3: // insert random bytes
            {
                int at = r.Next(b.Length + 1);
                byte[] extra = new byte[r.Next(1, 8)];
                r.NextBytes(extra);
                return [.. b[..at], .. extra, .. b[at..]];
            }
            default: // random bytes of similar length
            {
                byte[] x = new byte[r.Next(valid.Length + 16)];
                r.NextBytes(x);
                return x;
            }
        }
    }

    /// <summary>
    /// A hang guard, not a speed test: a parser loop that does not terminate fails here instead of stalling the
    /// run; the runs take seconds on a quiet machine and up to minutes on a loaded one.
    /// </summary>
    private static readonly TimeSpan HangLimit = TimeSpan.FromMinutes(5);

    private static void WithinTime(TimeSpan limit, Action body)
    {
        var task = Task.Run(body);
        Assert.True(task.Wait(limit), $"did not finish within {limit}");
    }

    [Fact]
    public void QuoteAttest_Parse_Throws_Only_TpmParseException()
    {
        var r = new Random(6001);
        byte[] valid = EmulatorHarness.SharedAttester.QuoteAttest(new byte[32]);
        int parsed = 0;
        WithinTime(HangLimit, () =>
        {
            for (int i = 0; i < 50_000; i++)
            {
                try { QuoteAttest.Parse(Mutate(r, valid)); parsed++; }
                catch (TpmParseException) { }
            }
        });
        Assert.True(parsed > 0, "some mutations (e.g. flipped digest bits) must still parse");
    }

    [Fact]
    public void AikPublic_Parse_Throws_Only_TpmParseException()
    {
        var r = new Random(6002);
        byte[] valid = EmulatorHarness.SharedAttester.AikTpm2bPublic;
        const int runs = 50_000;
        int parsed = 0, envelope = 0, template = 0;
        WithinTime(HangLimit, () =>
        {
            for (int i = 0; i < runs; i++)
            {
                try
                {
                    AikPublic.Parse(Mutate(r, valid));
                    parsed++;
                }
                catch (TpmParseException e) when (e.Message.StartsWith("TPM2B_PUBLIC", StringComparison.Ordinal) || e.Message.StartsWith("TPMT_PUBLIC of", StringComparison.Ordinal))
                {
                    envelope++; // refused by the first checks: the TPM2B size against the input length and the 1024-byte limit
                }
                catch (TpmParseException)
                {
                    template++; // got into TPMT_PUBLIC: refused by a template field (type, nameAlg, attributes, keyBits, modulus)
                }
            }
        });
        // Mutations must exercise the template checks and the Name computation, not only the size prefix:
        // a fuzz run that dies at the first check proves nothing about the rest of the parser.
        Assert.Equal(runs, parsed + envelope + template);
        Assert.True(template + parsed > runs / 4, $"only {template + parsed} of {runs} mutated inputs got past the TPM2B envelope ({envelope} did not)");
        // The template fields are ~20 of ~280 bytes, so few mutations hit them (1,702 of 50,000 with this seed).
        Assert.True(template > runs / 50, $"{template} mutated inputs reached the template checks");
        Assert.True(parsed > runs / 20, $"{parsed} mutated inputs parsed completely (modulus bytes changed)");
    }

    [Fact]
    public void Certificate_Parse_And_Verify_Throw_Only_CertificateException()
    {
        var r = new Random(6003);
        var a = EmulatorHarness.SharedAttester;
        var verifier = new CertificateVerifier(new CertificateStore(null, [a.EkRootDer], _ => null));
        byte[][] valid = [a.EkRootDer, a.EkIssuerDer, a.EkCertDer];
        WithinTime(HangLimit, () =>
        {
            for (int i = 0; i < 5_000; i++)
            {
                try
                {
                    var c = TokenCertificate.Parse(Mutate(r, valid[i % 3]));
                    verifier.Verify(c, (VerifyMode)(i % 4));
                }
                catch (CertificateException) { }
            }
        });
    }

    [Fact]
    public void Evidence_Verification_Never_Throws_For_Mutated_Evidence()
    {
        var r = new Random(6004);
        var a = EmulatorHarness.SharedAttester;
        byte[] nonce = new byte[32];
        byte[] q = a.QuoteAttest(nonce);
        byte[] valid = new SignedObject(q, a.Sign(q, [])).Encode();
        var key = new AikPublicKey(((Org.BouncyCastle.Crypto.Parameters.RsaKeyParameters)a.AikKey.Public).Modulus.ToByteArrayUnsigned(), 65537);
        byte[] rim = a.Rim().Encode();
        Assert.Null(EvidenceVerifier.Verify(valid, rim, nonce, key, DefaultPolicy.Banks));
        WithinTime(HangLimit, () =>
        {
            for (int i = 0; i < 5_000; i++)
            {
                byte[] m = Mutate(r, valid);
                // Only an unchanged message (a mutation can be a no-op) may pass.
                if (EvidenceVerifier.Verify(m, rim, nonce, key, DefaultPolicy.Banks) == null) Assert.Equal(valid, m);
            }
        });
    }

    [Fact]
    public void TokenCore_Answers_Every_Mutated_Request_With_A_Response()
    {
        using var h = new EmulatorHarness();
        var a = h.Attester;
        h.ProvisionPlatform();
        uint pc = h.StartProvisioning();
        (uint ac, byte[] quoteNonce) = h.StartAttestation();
        byte[] q = a.QuoteAttest(quoteNonce);
        var corpus = new (string Path, TokenMethod Method, byte[] Body)[]
        {
            (FobnailPaths.ProvisionEk, TokenMethod.Post, a.EkChain.Encode()),
            (FobnailPaths.ProvisionAik, TokenMethod.Post, new AikRequest(a.AikTpm2bPublic, 1).Encode()),
            (FobnailPaths.Provision, TokenMethod.Post, new ProvisionRequest(1, 2, new byte[32]).Encode()),
            (FobnailPaths.ProvisionMeta(pc), TokenMethod.Post, a.SignedObject(a.Metadata.Encode(), new byte[32])),
            (FobnailPaths.ProvisionRim(pc), TokenMethod.Post, a.SignedObject(a.Rim().Encode(), new byte[32])),
            (FobnailPaths.Attest, TokenMethod.Post, a.SignedObject(a.Metadata.Encode(), new byte[32])),
            (FobnailPaths.AttestContext(ac), TokenMethod.Post, new SignedObject(q, a.Sign(q, [])).Encode()),
            (FobnailPaths.TokenProvision, TokenMethod.Post, new PoCertChain([h.PoRoot]).Encode()),
            (FobnailPaths.ProvisionComplete, TokenMethod.Post, h.PoRoot),
            (FobnailPaths.StorageFile("f"), TokenMethod.Put, new byte[10]),
        };
        var r = new Random(6005);
        byte[] allowed = [ResponseCode.Created, ResponseCode.Deleted, ResponseCode.Changed, ResponseCode.Content,
            ResponseCode.BadRequest, ResponseCode.Forbidden, ResponseCode.NotFound, ResponseCode.MethodNotAllowed,
            ResponseCode.NotAcceptable, ResponseCode.InternalServerError];
        var sw = Stopwatch.StartNew();
        WithinTime(HangLimit, () =>
        {
            for (int i = 0; i < 5_000; i++)
            {
                var (path, method, body) = corpus[r.Next(corpus.Length)];
                if (r.Next(4) == 0) h.Nonce();
                ushort? cf = r.Next(4) switch { 0 => null, 1 => 42, 2 => (ushort)r.Next(65536), _ => 60 };
                IReadOnlyList<byte[]> accept = r.Next(8) == 0 ? [new byte[r.Next(6)]] : [];
                var req = new TokenRequest(r.Next(10) == 0 ? (TokenMethod)r.Next(1, 8) : method,
                    TokenRequest.Path(path), cf, accept, Mutate(r, body));
                TokenResponse resp = h.Core.Handle(EmulatorHarness.Client1, req);
                Assert.Contains(resp.Code, allowed);
            }
        });
    }
}
