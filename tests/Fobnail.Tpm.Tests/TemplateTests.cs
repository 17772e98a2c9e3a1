using Fobnail.Tpm;

namespace Fobnail.Tpm.Tests;

public class TemplateTests
{
    [Fact]
    public void Aik_tpm2b_public_has_the_protocol_section_7_3_layout()
    {
        byte[] modulus = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        TpmtPublic aik = TpmTemplates.AikRsa2048 with { Unique = modulus };
        byte[] bytes = Tpm2bPublic.From(aik).Bytes;
        Assert.Equal(280, bytes.Length);
        Assert.Equal("0116" + "0001000B000604720000001000100800000000000100" + Convert.ToHexString(modulus), Convert.ToHexString(bytes));
    }

    [Fact]
    public void Ek_template_marshals_as_the_tcg_default_rsa_2048_template()
    {
        byte[] tpmt = TpmTemplates.EkRsa2048.ToBytes();
        Assert.Equal(
            "0001000B000300B20020837197674484B3F81A90CC8D46A5D724FD52D76E06520B64F2A1DA1B331469AA"
            + "00060080004300100800000000000100" + new string('0', 512),
            Convert.ToHexString(tpmt));
    }

    [Fact]
    public void Parsed_public_round_trips_and_matches_its_template()
    {
        byte[] bytes = Tpm2bPublic.From(TpmTemplates.AikRsa2048 with { Unique = new byte[256] }).Bytes;
        Tpm2bPublic parsed = Tpm2bPublic.Parse(bytes);
        Assert.Equal(bytes, parsed.Bytes);
        Assert.True(parsed.PublicArea.MatchesTemplate(TpmTemplates.AikRsa2048));
        Assert.False(parsed.PublicArea.MatchesTemplate(TpmTemplates.EkRsa2048));
        Assert.Equal(34, parsed.Name.Length);
        Assert.Equal(new byte[] { 0x00, 0x0B }, parsed.Name[..2]);
    }

    [Fact]
    public void Pcr_selection_bitmap_is_little_endian_as_the_token_reads_it()
    {
        TpmsPcrSelection policy = TpmsPcrSelection.FromBitmap(TpmAlgId.Sha256, 0x000600FF);
        Assert.Equal(new byte[] { 0xFF, 0x00, 0x06 }, policy.PcrSelect);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 17, 18], policy.Pcrs());
        Assert.Equal(0x000600FFu, TpmsPcrSelection.Of(TpmAlgId.Sha256, policy.Pcrs()).Bitmap);
    }
}
