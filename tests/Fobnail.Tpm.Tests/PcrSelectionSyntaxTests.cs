using Fobnail.Tpm;

namespace Fobnail.Tpm.Tests;

public class PcrSelectionSyntaxTests
{
    [Fact]
    public void Parses_tpm2_tools_style_selections()
    {
        TpmlPcrSelection s = TpmPcrSelectionSyntax.Parse("sha256:0-7,17,18+sha1:all");
        Assert.Equal(0x000600FFu, s.Selections[0].Bitmap);
        Assert.Equal(TpmAlgId.Sha256, s.Selections[0].Hash);
        Assert.Equal(0x00FFFFFFu, s.Selections[1].Bitmap);
        Assert.Equal("sha256:0,1,2,3,4,5,6,7,17,18 sha1:" + string.Join(',', Enumerable.Range(0, 24)), s.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("sha256")]
    [InlineData("md5:1")]
    [InlineData("sha256:24")]
    [InlineData("sha256:5-3")]
    [InlineData("sha256:x")]
    [InlineData("sha256:1+sha256:2")]
    public void Rejects_bad_selections(string text) => Assert.Throws<FormatException>(() => TpmPcrSelectionSyntax.Parse(text));
}
