using System.Diagnostics;
using Fobnail.Tpm;

namespace Fobnail.Tpm.Tests;

/// <summary>
/// Responses recorded from the real TPM, mutated (fixed seeds, a fixed number of cases per scenario) and replayed
/// into the same code path: the only exceptions allowed are TpmException and its subclasses (typed parse errors
/// carry the command name), and nothing hangs.
/// </summary>
[Collection(TpmCollection.Name)]
[Trait("Category", TpmCollection.Trait)]
public sealed class MutationTests(TpmFixture tpm)
{
    private const int CasesPerScenario = 3000;

    public static TheoryData<string> Scenarios() =>
    [
        "Startup", "Allocated PCR banks and all PCR values", "Extend all banks", "NV EK certificate", "Properties",
        "EK reuse", "AIK reuse", "AIK creation", "Quote", "Sign", "Hash", "ActivateCredential", "ReadPublic",
    ];

    private Action<ITpmTransport> Scenario(string name)
    {
        byte[] nonce = new byte[32];
        new Random(7).NextBytes(nonce);
        var selection = new TpmlPcrSelection(TpmsPcrSelection.FromBitmap(TpmAlgId.Sha256, 0x000600FF), TpmsPcrSelection.FromBitmap(TpmAlgId.Sha1, 0x3));
        return name switch
        {
            "Startup" => t => new Startup().Execute(t),
            "Allocated PCR banks and all PCR values" => t => TpmPcrBanks.Read(t),
            "Extend all banks" => t => TpmPcrBanks.ExtendAllBanks(t, 16, [1, 2, 3]),
            "NV EK certificate" => t => TpmEkCertificate.Read(t),
            "Properties" => t => TpmProperties.GetRange(t, TpmPt.FamilyIndicator, 64),
            "EK reuse" => t => new TpmAttestationKeys(t).EnsureEk(false),
            "AIK reuse" => t => new TpmAttestationKeys(t).EnsureAik(false),
            "AIK creation" => t => new TpmAttestationKeys(t).EnsureAik(true),
            "Quote" => t => new TpmAttestationKeys(t).Quote(nonce, selection),
            "Sign" => t => new TpmAttestationKeys(t).SignMessage(nonce),
            "Hash" => t => new Hash { Data = nonce }.Execute(t),
            "ActivateCredential" => t => new TpmAttestationKeys(t).ActivateCredential(_credential!.Value.IdObject, _credential.Value.EncSecret),
            "ReadPublic" => t => new ReadPublic { ObjectHandle = TpmRh.FobnailAik }.Execute(t),
            _ => throw new ArgumentException(name),
        };
    }

    private (byte[] IdObject, byte[] EncSecret)? _credential;

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Mutated_real_responses_only_raise_TpmException(string scenario)
    {
        (TpmKey ek, TpmKey aik) = tpm.With(t => (new TpmAttestationKeys(t).EnsureEk(true), new TpmAttestationKeys(t).EnsureAik(true)));
        if (scenario == "AIK creation")
            tpm.With(t => new TpmAttestationKeys(t).Evict(TpmRh.FobnailAik));
        if (scenario == "ActivateCredential")
            _credential = MakeCredential(ek, aik);
        Action<ITpmTransport> action = Scenario(scenario);

        List<byte[]> recorded = tpm.With(t =>
        {
            var recorder = new RecordingTransport(t);
            action(recorder);
            return recorder.Responses;
        });
        Assert.NotEmpty(recorded);
        action(new ReplayTransport(recorded)); // the unmutated recording replays cleanly

        var random = new Random(scenario.Length * 7919 + scenario[0]);
        var clock = Stopwatch.StartNew();
        int typedErrors = 0;
        for (int i = 0; i < CasesPerScenario; i++)
        {
            var responses = recorded.Select(r => r).ToList();
            int target = random.Next(responses.Count);
            responses[target] = WithConsistentResponseSize(Mutator.Mutate(random, responses[target]), random);
            try
            {
                action(new ReplayTransport(responses));
            }
            catch (TpmException)
            {
                typedErrors++;
            }
            catch (Exception e)
            {
                Assert.Fail($"{scenario}, case {i}, response {target} ({Convert.ToHexString(responses[target])}): {e.GetType().Name}: {e}");
            }
        }
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"{scenario}: {CasesPerScenario} cases took {clock.Elapsed}");
        Assert.True(typedErrors > CasesPerScenario / 4, $"{scenario}: only {typedErrors} of {CasesPerScenario} mutations were detected");
    }

    /// <summary>The token's challenge (§7.4) from untrusted bytes: mutated idObject/encSecret sent to the real TPM.</summary>
    [Fact]
    public void Mutated_credential_challenges_only_raise_TpmException()
    {
        (TpmKey ek, TpmKey aik) = tpm.With(t => (new TpmAttestationKeys(t).EnsureEk(true), new TpmAttestationKeys(t).EnsureAik(true)));
        (byte[] idObject, byte[] encSecret) = MakeCredential(ek, aik);
        var random = new Random(74);
        const int Cases = 200;
        int accepted = 0, answeredByTpm = 0, rejectedBeforeTpm = 0;
        tpm.With(t =>
        {
            var keys = new TpmAttestationKeys(t);
            for (int i = 0; i < Cases; i++)
            {
                bool mutateId = random.Next(2) == 0;
                byte[] id = mutateId ? Mutator.Mutate(random, idObject) : idObject;
                byte[] secret = mutateId ? encSecret : Mutator.Mutate(random, encSecret);
                try
                {
                    keys.ActivateCredential(id, secret);
                    accepted++;
                }
                catch (TpmException e) when (e.ResponseCode is not null)
                {
                    answeredByTpm++; // marshalled, sent, and judged by the TPM's own checks
                }
                catch (TpmException)
                {
                    rejectedBeforeTpm++;
                }
            }
        });
        // A good share of mutations must get past our marshalling checks to the TPM, or the test only exercises
        // those checks. (Seed 74: 36 of 200 reach the TPM; most mutations change a size, refused before sending.)
        Assert.True(answeredByTpm + accepted >= Cases / 10,
            $"{answeredByTpm} answered by the TPM, {accepted} accepted, {rejectedBeforeTpm} rejected before sending, of {Cases}");
        Assert.True(answeredByTpm > 0 && rejectedBeforeTpm > 0,
            $"{answeredByTpm} answered by the TPM, {rejectedBeforeTpm} rejected before sending: both stages must be reached");
    }

    /// <summary>Half the time keeps the TPM response header's responseSize consistent, so parsing goes deeper.</summary>
    private static byte[] WithConsistentResponseSize(byte[] response, Random random)
    {
        if (response.Length >= 6 && random.Next(2) == 0)
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(response.AsSpan(2), (uint)response.Length);
        return response;
    }

    private (byte[] IdObject, byte[] EncSecret) MakeCredential(TpmKey ek, TpmKey aik)
    {
        string ekPub = tpm.NewFile("ek.pub"), secret = tpm.NewFile("secret"), blob = tpm.NewFile("cred");
        File.WriteAllBytes(ekPub, ek.Public.Bytes);
        File.WriteAllBytes(secret, new byte[32]);
        tpm.Tool("tpm2_makecredential", "-T", "none", "-u", ekPub, "-s", secret, "-n", Convert.ToHexString(aik.Name), "-o", blob);
        byte[] file = File.ReadAllBytes(blob);
        int idLength = 2 + (file[8] << 8 | file[9]);
        return (file[8..(8 + idLength)], file[(8 + idLength)..]);
    }
}
