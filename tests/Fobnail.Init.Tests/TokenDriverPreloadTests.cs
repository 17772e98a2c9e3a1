using Fobnail.Init.Boot;
using Fobnail.Modules;
using Fobnail.Netlink.Matching;

namespace Fobnail.Init.Tests;

/// <summary>The modaliases the network step preloads drivers for while it waits for the token.</summary>
public sealed class TokenDriverPreloadTests
{
    [Fact]
    public void The_default_match_asks_for_the_tokens_interface_modalias_which_debian_maps_to_cdc_eem()
    {
        string modalias = Assert.Single(NetworkStep.TokenModaliases(TokenMatcher.Default));
        // The real token's interface announces usb:v1234p4321d0010dc00dsc00dp00ic02isc0Cip07in00 (QEMU guest log).
        Assert.Equal("usb:v1234p4321d0000dc00dsc00dp00ic02isc0Cip07in00", modalias);
        // Debian 6.1's modules.alias line for cdc_eem.
        Assert.True(Glob.IsMatch("usb:v*p*d*dc*dsc*dp*ic02isc0Cip07in*", modalias));
    }

    [Fact]
    public void A_match_by_driver_only_has_no_modalias_and_every_class_id_pair_gets_one()
    {
        Assert.Empty(NetworkStep.TokenModaliases(TokenMatcher.Parse("cdc_ether")));
        var two = NetworkStep.TokenModaliases(TokenMatcher.Parse("1234:4321,0525:a4a2,02/0c/07")).ToList();
        Assert.Equal(["usb:v1234p4321d0000dc00dsc00dp00ic02isc0Cip07in00", "usb:v0525pA4A2d0000dc00dsc00dp00ic02isc0Cip07in00"], two);
    }
}
