using Fobnail.Protocol;
using Fobnail.Token.Emulator.Core;
using Fobnail.Token.Emulator.Led;

namespace Fobnail.Token.Emulator.Tests;

public class ClientLivenessTests
{
    [Fact]
    public void Clients_Idle_More_Than_3s_Are_Purged_With_Their_Objects()
    {
        using var h = new EmulatorHarness();
        uint pc = h.StartProvisioning();
        h.Clock.Advance(TimeSpan.FromSeconds(3));
        h.Core.PurgeIdleClients();
        Assert.True(h.Core.Clients.Contains(EmulatorHarness.Client1));  // exactly 3 s is not "more than 3 s"
        h.Clock.Advance(TimeSpan.FromMilliseconds(1));
        h.Core.PurgeIdleClients();
        Assert.False(h.Core.Clients.Contains(EmulatorHarness.Client1));
        // A new client (same endpoint) has none of the old objects.
        Assert.Equal(ResponseCode.NotFound,
            h.Post(FobnailPaths.ProvisionMeta(pc), h.Attester.SignedObject(h.Attester.Metadata.Encode(), h.Nonce())).Code);
    }

    [Fact]
    public void Pings_And_Requests_Keep_A_Client_Alive()
    {
        using var h = new EmulatorHarness();
        uint pc = h.StartProvisioning();
        for (int i = 0; i < 10; i++)
        {
            h.Clock.Advance(TimeSpan.FromSeconds(1));
            h.Core.Ping(EmulatorHarness.Client1);
            h.Core.PurgeIdleClients();
        }
        Assert.Equal(ResponseCode.Created,
            h.Post(FobnailPaths.ProvisionMeta(pc), h.Attester.SignedObject(h.Attester.Metadata.Encode(), h.Nonce())).Code);
    }

    [Fact]
    public void Clients_Are_Separate_Per_Endpoint()
    {
        using var h = new EmulatorHarness();
        byte[] n = h.Nonce(EmulatorHarness.Client2);
        uint pc = h.StartProvisioning(EmulatorHarness.Client1);
        // Client1 has no nonce; the one of Client2 does not count.
        Assert.Equal(ResponseCode.Forbidden,
            h.Post(FobnailPaths.ProvisionMeta(pc), h.Attester.SignedObject(h.Attester.Metadata.Encode(), n)).Code);
        // Client2 cannot use Client1's PC.
        Assert.Equal(ResponseCode.NotFound,
            h.Post(FobnailPaths.ProvisionMeta(pc), h.Attester.SignedObject(h.Attester.Metadata.Encode(), h.Nonce(EmulatorHarness.Client2)), ep: EmulatorHarness.Client2).Code);
    }

    [Fact]
    public void Purging_The_Attested_Client_Drops_Fts_Access_And_Returns_Led_To_Waiting()
    {
        using var h = new EmulatorHarness();
        h.ProvisionPlatform();
        h.Attest();
        Assert.Equal(LedState.AttestationOk, h.Core.Led.Current);
        h.Clock.Advance(TimeSpan.FromSeconds(4));
        h.Core.PurgeIdleClients();
        Assert.Equal(LedState.TokenWaiting, h.Core.Led.Current);
        var get = new TokenRequest(TokenMethod.Get, [.. TokenRequest.Path(FobnailPaths.Storage), "k"], null, [], []);
        Assert.Equal(ResponseCode.NotFound, h.Send(get).Code);
    }

    [Fact]
    public void FirmwareDifference_Repeated_Attestation_Does_Not_Leave_The_Green_Led_Stuck()
    {
        using var h = new EmulatorHarness();
        h.ProvisionPlatform();
        h.Attest();
        h.Attest();  // same endpoint attests again: the firmware counts it twice
        Assert.Equal(2u, h.Core.FirmwareFtsCounter);
        h.Clock.Advance(TimeSpan.FromSeconds(4));
        h.Core.PurgeIdleClients();
        // The firmware's counter would be stuck at 1 (green LED on with nobody attested); the emulator is not.
        Assert.Equal(1u, h.Core.FirmwareFtsCounter);
        Assert.Equal(0, h.Core.AttestedClients);
        Assert.Equal(LedState.TokenWaiting, h.Core.Led.Current);
        Assert.Contains(h.Sink.Lines, l => l.Contains("FIRMWARE DIFFERENCE") && l.Contains("stuck"));
    }
}
