using Fobnail.Tpm;

namespace Fobnail.Tpm.Tests;

[Collection(TpmCollection.Name)]
[Trait("Category", TpmCollection.Trait)]
public sealed class DerTests(TpmFixture tpm)
{
    private byte[] EkCertificate() => tpm.With(t => TpmEkCertificate.Read(t));

    [Fact]
    public void Trims_nv_padding_to_the_der_length()
    {
        byte[] cert = EkCertificate();
        byte[] padded = [.. cert, .. new byte[200]];
        Assert.Equal(cert, Der.TrimCertificate(padded, "test"));
        Assert.Equal(cert.Length, Der.EncodedLength(cert, "test"));
        Assert.False(Der.IsSelfIssued(cert, "test"));
    }

    [Theory]
    [InlineData("", "truncated")]
    [InlineData("30", "truncated")]
    [InlineData("3080", "indefinite")]
    [InlineData("3085FFFFFFFFFF", "too large")]
    [InlineData("3082FFFF00", "claims")]
    [InlineData("0400", "not a SEQUENCE")]
    [InlineData("1F00", "high tag")]
    public void Rejects_malformed_headers_with_a_clear_message(string hex, string message)
    {
        var e = Assert.Throws<TpmParseException>(() => Der.TrimCertificate(Convert.FromHexString(hex), "EK certificate"));
        Assert.Contains(message, e.Message);
        Assert.Contains("EK certificate", e.Message);
    }

    [Fact]
    public void Pem_and_der_files_decode_to_the_same_certificate()
    {
        byte[] cert = EkCertificate();
        string pem = "-----BEGIN CERTIFICATE-----\n" + Convert.ToBase64String(cert, Base64FormattingOptions.InsertLineBreaks) + "\n-----END CERTIFICATE-----\n";
        Assert.Equal(cert, TpmEkCertificateChain.Decode(System.Text.Encoding.ASCII.GetBytes(pem), "pem"));
        Assert.Equal(cert, TpmEkCertificateChain.Decode(cert, "der"));
        Assert.Throws<TpmParseException>(() => TpmEkCertificateChain.Decode("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----"u8.ToArray(), "bad"));
    }

    /// <summary>Mutations of the real EK certificate and pure random input never raise anything but TpmParseException.</summary>
    [Fact]
    public void Mutated_certificates_only_raise_TpmParseException()
    {
        byte[] cert = EkCertificate();
        var random = new Random(1234);
        int parsed = 0;
        for (int i = 0; i < 20000; i++)
        {
            byte[] input = i % 10 == 0 ? Mutator.RandomBytes(random, 63) : Mutator.Mutate(random, cert);
            try
            {
                Der.TrimCertificate(input, "fuzz");
                Der.IsSelfIssued(input, "fuzz");
                Der.RsaPublicKey(input, "fuzz");
                TpmEkCertificateChain.Decode(input, "fuzz");
                parsed++;
            }
            catch (TpmParseException)
            {
            }
            catch (Exception e)
            {
                Assert.Fail($"case {i} ({Convert.ToHexString(input)}): {e}");
            }
        }
        Assert.InRange(parsed, 1, 19999);
    }
}
