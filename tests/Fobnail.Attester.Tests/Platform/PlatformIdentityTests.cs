using System.Security.Cryptography;
using Fobnail.Attester.Platform;

namespace Fobnail.Attester.Tests.Platform;

public class PlatformIdentityTests
{
    private static readonly byte[] Mac = [0x52, 0x54, 0x00, 0xAB, 0xCD, 0xEF];

    [Fact]
    public void Metadata_bytes_follow_the_spec_shape_and_the_id_is_their_sha256()
    {
        var id = new PlatformIdentity(new Protocol.Metadata(1, Mac, "QEMU", "Standard PC", "SN1"));
        byte[] expected =
        [
            0xA5, 0x67, .. "version"u8, 0x01,
            0x63, .. "mac"u8, 0x46, .. Mac,
            0x6C, .. "manufacturer"u8, 0x64, .. "QEMU"u8,
            0x6C, .. "product_name"u8, 0x6B, .. "Standard PC"u8,
            0x6D, .. "serial_number"u8, 0x63, .. "SN1"u8,
        ];
        Assert.Equal(expected, id.Bytes);
        Assert.Equal(SHA256.HashData(expected), id.Id);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(expected)).ToLowerInvariant(), id.IdHex);
    }

    [Fact]
    public void Long_strings_use_minimal_length_headers()
    {
        string product = new('p', 30);   // 24..255 → 0x78 len
        var id = new PlatformIdentity(new Protocol.Metadata(1, Mac, "M", product, "S"));
        int at = id.Bytes.AsSpan().IndexOf("product_name"u8) + "product_name".Length;
        Assert.Equal(new byte[] { 0x78, 30 }, id.Bytes[at..(at + 2)]);
    }

    [Fact]
    public void Metadata_over_1024_bytes_is_refused_because_the_token_would_panic()
    {
        var e = Assert.Throws<PlatformMetadataException>(() => new PlatformIdentity(new Protocol.Metadata(1, Mac, new string('m', 1100), "P", "S")));
        Assert.Contains("1024", e.Message);
    }

    [Fact]
    public void Overrides_file_parses_and_wins_over_smbios()
    {
        MetadataOverrides o = MetadataOverrides.Parse("# guest\nmac=52:54:00:ab:cd:ef\nmanufacturer=Fobnail \nproduct_name=QEMU guest\nserial_number=42\n");
        Assert.True(o.IsComplete);
        Assert.Equal("Fobnail ", o.Manufacturer);   // verbatim: the bytes are hashed
        PlatformIdentity id = PlatformIdentity.Collect(o, dmiDirectory: "/nonexistent", sysfsRoot: "/nonexistent");
        Assert.Equal(Mac, id.Metadata.Mac);
        Assert.Equal("QEMU guest", id.Metadata.ProductName);
    }

    [Fact]
    public void Kernel_parameters_with_the_fobnail_meta_prefix_are_overrides()
    {
        MetadataOverrides o = MetadataOverrides.FromKernelParameters(new Dictionary<string, string>
        {
            ["console"] = "ttyS0",
            ["fobnail.meta.mac"] = "52:54:00:ab:cd:ef",
            ["fobnail.meta.serial_number"] = "guest-7",
        });
        Assert.Equal(Mac, o.Mac);
        Assert.Equal("guest-7", o.SerialNumber);
        Assert.Null(o.Manufacturer);
        Assert.Throws<PlatformMetadataException>(() => MetadataOverrides.FromKernelParameters(new Dictionary<string, string> { ["fobnail.meta.model"] = "x" }));
    }

    [Theory]
    [InlineData("mac=zz")]
    [InlineData("model=x")]
    [InlineData("serial_number=")]
    [InlineData("no equals sign")]
    public void Bad_override_lines_throw_PlatformMetadataException(string text) =>
        Assert.Throws<PlatformMetadataException>(() => MetadataOverrides.Parse(text));

    [Fact]
    public void Missing_sources_without_overrides_throw_typed_errors()
    {
        Assert.Throws<SmbiosException>(() => PlatformIdentity.Collect(null, "/nonexistent", "/nonexistent"));
        var strings = MetadataOverrides.Parse("manufacturer=a\nproduct_name=b\nserial_number=c");
        var e = Assert.Throws<PlatformMetadataException>(() => PlatformIdentity.Collect(strings, "/nonexistent", "/nonexistent"));
        Assert.Contains("mac", e.Message);
    }

    [Fact]
    public void This_host_collects_with_its_real_pci_nic_and_string_overrides()
    {
        // This host has no DMI tables (a VM without them), so the strings are given; the MAC comes from /sys.
        var strings = MetadataOverrides.Parse("manufacturer=a\nproduct_name=b\nserial_number=c");
        PlatformIdentity id = PlatformIdentity.Collect(strings, "/nonexistent", "/sys");
        PrimaryNicChoice nic = PrimaryNic.Find("/sys")!;
        Assert.Equal(nic.Mac, id.Metadata.Mac);
        Assert.Equal(SHA256.HashData(id.Bytes), id.Id);
        Protocol.Metadata decoded = Protocol.Metadata.Decode(id.Bytes);
        Assert.Equal(nic.Mac, decoded.Mac);
    }
}
