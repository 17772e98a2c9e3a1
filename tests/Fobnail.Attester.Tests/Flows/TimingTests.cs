using System.Diagnostics;
using Fobnail.Attester.Flows;
using Fobnail.Attester.Platform;
using Fobnail.Tpm;
using Xunit.Abstractions;

namespace Fobnail.Attester.Tests.Flows;

/// <summary>
/// Measured timings of a whole provisioning and attestation on a FRESH swtpm (its own instance, so EK and AIK
/// creation is included the first time) against the emulator on loopback. The numbers go to the test output.
/// </summary>
public class TimingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Full_provisioning_and_attestation_on_a_fresh_swtpm_are_timed()
    {
        using var fresh = new TpmFixture();
        await using TokenPeer token = TokenPeer.Start(fresh);
        using ITpmTransport tpm = fresh.Open();
        var settings = new AttesterSettings
        {
            Token = token.EndPoint,
            Provision = true,
            EkChainDirectory = token.EkChainDir,
            Metadata = new MetadataOverrides([2, 0, 0, 0, 0, 1], "Fobnail", "Timing", "T1"),
        };

        var clock = Stopwatch.StartNew();
        await using (TokenAttester first = await TokenAttester.RunAsync(tpm, settings))
        {
            long total = clock.ElapsedMilliseconds;
            Assert.True(first.Provisioning!.Kind == ProvisioningResultKind.Provisioned, first.Provisioning.Summary);
            Assert.Equal(AttestationVerdictKind.Trusted, first.Attestation.Kind);
            output.WriteLine($"first run (EK+AIK created, EK cert, PCRs read): total {total} ms; provisioning flow {first.Provisioning.Elapsed.TotalMilliseconds:F0} ms; attestation flow {first.Attestation.Elapsed.TotalMilliseconds:F0} ms");
        }

        clock.Restart();
        await using (TokenAttester attest = await TokenAttester.RunAsync(tpm, settings with { Provision = false }))
        {
            long total = clock.ElapsedMilliseconds;
            Assert.Equal(AttestationVerdictKind.Trusted, attest.Attestation.Kind);
            output.WriteLine($"attestation run (keys persisted): total {total} ms; attestation flow {attest.Attestation.Elapsed.TotalMilliseconds:F0} ms");
            Assert.True(total < 10_000, $"attestation took {total} ms");
        }

        // Provisioning timed again with persisted keys (a second token, so it is a real provisioning).
        await using TokenPeer second = TokenPeer.Start(fresh);
        clock.Restart();
        await using TokenAttester again = await TokenAttester.RunAsync(tpm, settings with { Token = second.EndPoint });
        long secondTotal = clock.ElapsedMilliseconds;
        Assert.Equal(ProvisioningResultKind.Provisioned, again.Provisioning!.Kind);
        output.WriteLine($"provision+attest with persisted keys: total {secondTotal} ms; provisioning flow {again.Provisioning.Elapsed.TotalMilliseconds:F0} ms; attestation flow {again.Attestation.Elapsed.TotalMilliseconds:F0} ms");
    }
}
